/**
 * Who asks a service to do something, whatever the transport. GraphQL resolvers build one from
 * the verified token, webhook handlers and jobs use the system actors below; services never see
 * the GraphQL context. Role checks stay on resolvers (`@Authorized`); services check ownership
 * (is this actor the consultation's client, its advisor, an admin?).
 */
export type Actor = PersonActor | SystemActor;

export interface PersonActor {
  readonly type: 'person';
  readonly userId: string;
  /** Admin rights, as the auth layer decided them. */
  readonly isAdmin: boolean;
}

export interface SystemActor {
  readonly type: 'system';
  /** Which part of the system acts: recorded in histories as the actor kind. */
  readonly kind: ActorKind.SYSTEM | ActorKind.STRIPE | ActorKind.CALCOM;
}

/** In what capacity someone acted, as recorded in status histories and audit rows. */
export enum ActorKind {
  CLIENT = 'client',
  ADVISOR = 'advisor',
  ADMIN = 'admin',
  SYSTEM = 'system',
  STRIPE = 'stripe',
  CALCOM = 'calcom',
}

export const SYSTEM: SystemActor = { type: 'system', kind: ActorKind.SYSTEM };
export const STRIPE: SystemActor = { type: 'system', kind: ActorKind.STRIPE };
export const CALCOM: SystemActor = { type: 'system', kind: ActorKind.CALCOM };

export const person = (userId: string, isAdmin = false): PersonActor => ({ type: 'person', userId, isAdmin });

/** The acting user's id, or null for the system. */
export const userIdOf = (actor: Actor): string | null => (actor.type === 'person' ? actor.userId : null);
