import type { EntityManager } from '@mikro-orm/postgresql';
import type { Loaders } from '../loaders';
import type { Advisor } from '../modules/advisor/advisor.entity';
import type { PersonActor } from './actor';

/**
 * What a read runs with: the person asking, the request's EntityManager and loaders (reads share
 * them so DataLoader batches a page and aliases into one statement), and their advisor profile,
 * looked up once. Writes never take this: they take an Actor and open their own unit of work.
 */
export interface ReadScope {
  readonly actor: PersonActor;
  readonly em: EntityManager;
  readonly loaders: Loaders;
  myAdvisor(): Promise<Advisor | null>;
}
