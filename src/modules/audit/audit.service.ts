import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../common/actor';
import { User } from '../user/user.entity';
import { AuditActorKind, AuditEntry } from './audit.entity';

export interface AuditRecord {
  action: string;
  subjectType: string;
  subjectId: string;
  reason?: string | null;
  before?: object | null;
  after?: object | null;
}

const SYSTEM_KINDS: Record<string, AuditActorKind> = {
  operator: AuditActorKind.OPERATOR,
  scheduler: AuditActorKind.SCHEDULER,
  stripe: AuditActorKind.STRIPE,
  calcom: AuditActorKind.CALCOM,
};

/**
 * The audit module owns audit_log, and only ever inserts into it: `record` adds one entry to the
 * caller's unit of work, so the entry commits or rolls back with the change it describes.
 */
export const auditLog = {
  record(em: EntityManager, actor: Actor, entry: AuditRecord): AuditEntry {
    const row = new AuditEntry({
      actor: actor.kind === 'person' ? em.getReference(User, actor.id) : null,
      actorKind: actor.kind === 'person' ? AuditActorKind.PERSON : SYSTEM_KINDS[actor.name]!,
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      reason: entry.reason ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
    });
    em.persist(row);
    return row;
  },
};
