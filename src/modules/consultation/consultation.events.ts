import type { EntityManager } from '@mikro-orm/postgresql';
import type { ConsultationStatus } from './consultation.entity';
import type { SqlFragment } from '../../db/sql';

/** What goes over NOTIFY: ids and statuses only; receivers load the row in their viewer's view. */
export interface StatusChangedPayload {
  consultationId: string;
  previousStatus: ConsultationStatus | null;
  status: ConsultationStatus;
  changedAt: string;
  clientId: string;
  advisorUserId: string;
}

export const STATUS_CHANGED = 'CONSULTATION_STATUS_CHANGED';

export const topics = {
  consultation: (id: string) => `${STATUS_CHANGED}:consultation:${id}`,
  user: (userId: string) => `${STATUS_CHANGED}:user:${userId}`,
  admin: () => `${STATUS_CHANGED}:admin`,
};

export interface TransactionalPublisher {
  /** Publishes when (and only if) the transaction `em` belongs to commits; several topics share one NOTIFY. */
  publishInTransaction(em: EntityManager, topic: string | readonly string[], payload: object): Promise<void>;
  /** The same NOTIFY as an SQL expression, for a statement that announces what it writes. */
  notificationSql(topic: string | readonly string[], payload: object): SqlFragment;
}

/** Publishing in transactions plus subscribing by topic: what PgPubSub (src/events) provides. */
export interface EventBus extends TransactionalPublisher {
  subscribe(topic: string): AsyncIterable<unknown>;
}

const statusTopics = (payload: StatusChangedPayload) => [
  topics.consultation(payload.consultationId),
  topics.user(payload.clientId),
  topics.user(payload.advisorUserId),
  topics.admin(),
];

/** publishStatusChanged as an SQL expression (a pg_notify call), for a statement that makes the change. */
export function statusChangedSql(publisher: TransactionalPublisher, payload: StatusChangedPayload): SqlFragment {
  return publisher.notificationSql(statusTopics(payload), payload);
}

export async function publishStatusChanged(
  publisher: TransactionalPublisher,
  em: EntityManager,
  payload: StatusChangedPayload,
): Promise<void> {
  // One NOTIFY per status change; each instance routes it to the four topics in-process.
  await publisher.publishInTransaction(em, statusTopics(payload), payload);
}
