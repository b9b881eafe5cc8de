import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { DomainError, forbidden, unauthenticated } from './common/errors';
import type { Services } from './services';
import { Advisor, ApprovalStatus } from './modules/advisor/advisor.entity';
import type { PersonActor } from './common/actor';
import type { ReadScope } from './common/read-scope';
import { createLoaders, type Loaders } from './loaders';

/** The signed-in person behind a request: the Actor every service call is made as. */
export type Viewer = PersonActor;

/**
 * What one GraphQL operation (or one subscription event) runs with: who is asking, an
 * EntityManager fork of its own, the services, and per-request loaders.
 */
export class Context {
  private advisorLookup?: Promise<Advisor | null>;
  private loaderSet?: Loaders;

  constructor(
    readonly services: Services,
    readonly em: EntityManager,
    readonly viewer: Viewer | null,
    /** Why a presented token was refused; reported only where the operation needs a viewer. */
    readonly authError: DomainError | null,
    readonly requestId: string,
    readonly log: Logger,
  ) {}

  /**
   * This operation's viewer with a new EntityManager and loaders: what one event of a subscription
   * runs with, since the subscription's own context lives as long as it does and would answer later
   * events from rows and loader caches of earlier ones.
   */
  forEvent(): Context {
    return new Context(this.services, this.services.orm.em.fork(), this.viewer, this.authError, this.requestId, this.log);
  }

  get loaders(): Loaders {
    return (this.loaderSet ??= createLoaders(this.em));
  }

  requireViewer(): Viewer {
    if (this.viewer) return this.viewer;
    throw this.authError ?? unauthenticated();
  }

  /** Who is asking, for services: the signed-in person, or null for an anonymous request. */
  actor(): PersonActor | null {
    return this.viewer;
  }

  /** Who is asking; UNAUTHENTICATED (or why the token was refused) when nobody is signed in. */
  requireActor(): PersonActor {
    return this.requireViewer();
  }

  /** What a read runs with (see ReadScope): the person asking, this request's EntityManager and loaders. */
  readScope(): ReadScope {
    const actor = this.requireActor();
    return { actor, em: this.em, loaders: this.loaders, myAdvisor: () => this.myAdvisor() };
  }

  requireAdmin(): Viewer {
    const viewer = this.requireViewer();
    if (!viewer.isAdmin) throw forbidden('Only admins can do this');
    return viewer;
  }

  /** The viewer's own advisor profile in whatever status, looked up once per request. */
  myAdvisor(): Promise<Advisor | null> {
    const viewer = this.viewer;
    if (!viewer) return Promise.resolve(null);
    return (this.advisorLookup ??= this.em.findOne(Advisor, { user: viewer.id }));
  }

  /** Advisor powers come from the database, never from the token: an approved, unsuspended profile. */
  async activeAdvisor(): Promise<Advisor | null> {
    const advisor = await this.myAdvisor();
    return advisor && advisor.approvalStatus === ApprovalStatus.APPROVED ? advisor : null;
  }
}
