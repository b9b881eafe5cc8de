/**
 * Who acts on the domain, in one vocabulary for every transport. Resolvers turn a verified token
 * into a PersonActor; webhook handlers and jobs act as a SystemActor. Services take an Actor, never
 * the GraphQL context: role checks live on resolvers (`@Authorized`), ownership checks in services.
 */

/** The roles a person can hold. `admin` is granted in the database; `advisor` powers need an approved profile. */
export type Role = 'client' | 'advisor' | 'admin';

export interface PersonActor {
  readonly kind: 'person';
  /** The user's id (the token's `sub`). */
  readonly id: string;
  readonly email: string;
  readonly givenName: string | null;
  readonly familyName: string | null;
  readonly roles: readonly Role[];
  readonly isAdmin: boolean;
}

/** A system that tells us things or runs on a schedule; it owns nothing and acts on what it names. */
export type SystemName = 'stripe' | 'calcom' | 'scheduler' | 'operator';

export interface SystemActor {
  readonly kind: 'system';
  readonly name: SystemName;
}

export type Actor = PersonActor | SystemActor;

export const system = (name: SystemName): SystemActor => ({ kind: 'system', name });

export const STRIPE: SystemActor = system('stripe');
export const CALCOM: SystemActor = system('calcom');
export const SCHEDULER: SystemActor = system('scheduler');
/** A person at a terminal running one of our scripts (npm run admin:grant, check:ledger). */
export const OPERATOR: SystemActor = system('operator');

export function isPerson(actor: Actor): actor is PersonActor {
  return actor.kind === 'person';
}

/** The user id an actor leaves in audit columns (`created_by_id`, `changed_by_id`), null for systems. */
export function actorUserId(actor: Actor): string | null {
  return actor.kind === 'person' ? actor.id : null;
}
