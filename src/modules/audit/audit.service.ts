import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { forbidden } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import {
  cursorShapes,
  keysetCondition,
  keysetOrder,
  pageRequest,
  toConnection,
  type ConnectionShape,
  type PageRequest,
} from '../../graphql/connection';
import type { Actor, SystemActor } from '../../common/actor';
import { User } from '../user/user.entity';
import { AuditActorKind, AuditEntry } from './audit.entity';
import type { SqlFragment } from '../../db/sql';

export interface AuditRecord {
  action: string;
  subjectType: string;
  subjectId: string;
  reason?: string | null;
  before?: object | null;
  after?: object | null;
  /** The advisor whose money this concerns, if any (see AuditEntry.advisorId). */
  advisorId?: string | null;
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
      actorKind: actorKind(actor),
      action: entry.action,
      subjectType: entry.subjectType,
      subjectId: entry.subjectId,
      reason: entry.reason ?? null,
      before: entry.before ?? null,
      after: entry.after ?? null,
      advisorId: entry.advisorId ?? null,
    });
    em.persist(row);
    return row;
  },

  /** `record` for callers that know only a user id (null: the system acted). */
  recordFor(em: EntityManager, userId: string | null, orElse: SystemActor, entry: AuditRecord): AuditEntry {
    const actor: Actor = userId
      ? { kind: 'person', id: userId, email: '', givenName: null, familyName: null, roles: [], isAdmin: false }
      : orElse;
    return auditLog.record(em, actor, entry);
  },
};

function actorKind(actor: Actor): AuditActorKind {
  return actor.kind === 'person' ? AuditActorKind.PERSON : SYSTEM_KINDS[actor.name]!;
}

/**
 * One entry per row of `from`, as {@link auditLog.record} would write it for each, for a caller
 * that changes many subjects in one statement. The fields are SQL expressions over the rows of
 * `from` (a CTE name or a FROM clause, without parameters); `before` and `after` build jsonb.
 */
export interface AuditEachSpec {
  action: string;
  subjectType: string;
  subjectId: string;
  advisorId?: string;
  reason?: string;
  before?: string;
  after?: string;
  from: string;
}

/**
 * {@link AuditEachSpec} as an `insert into audit_log ... select` to run as a data-modifying CTE of
 * the caller's statement (its `?` parameters in `params`), so the entries commit or roll back with
 * the rows they describe, without a statement per entry.
 */
export function auditEachSql(actor: Actor, spec: AuditEachSpec): SqlFragment {
  return {
    sql: `insert into audit_log (id, actor_id, actor_kind, action, subject_type, subject_id, reason, advisor_id, before, after, created_at)
       select gen_random_uuid(), ?::uuid, ?, ?, ?, (${spec.subjectId})::text, ${spec.reason ?? 'null'}, ${spec.advisorId ?? 'null'},
              ${spec.before ?? 'null'}, ${spec.after ?? 'null'}, now()
       from ${spec.from}`,
    params: [actor.kind === 'person' ? actor.id : null, actorKind(actor), spec.action, spec.subjectType],
  };
}

export interface AuditFilter {
  actorId?: string | null;
  subjectType?: string | null;
  subjectId?: string | null;
  action?: string | null;
  from?: Date | null;
  to?: Date | null;
}

/** Newest first. */
const AUDIT_ORDER = [
  ['createdAt', 'desc'],
  ['id', 'desc'],
] as const;

/** Reads of audit_log: every entry for admins (the resolver checks the role), an advisor's money entries for that advisor. */
export class AuditReader {
  async list(scope: Pick<ReadScope, 'em'>, filter: AuditFilter | undefined, paging: PageRequest): Promise<ConnectionShape<AuditEntry>> {
    const where: FilterQuery<AuditEntry>[] = [];
    if (filter?.actorId) where.push({ actor: assertUuid(filter.actorId, 'actorId') });
    if (filter?.subjectType) where.push({ subjectType: filter.subjectType });
    if (filter?.subjectId) where.push({ subjectId: filter.subjectId });
    if (filter?.action) where.push({ action: filter.action });
    if (filter?.from) where.push({ createdAt: { $gte: filter.from } });
    if (filter?.to) where.push({ createdAt: { $lt: filter.to } });
    return this.page(scope.em, where, paging);
  }

  /** The entries about the viewer's advisor profile that concern money: earnings, refunds, adjustments, payouts. */
  async mine(scope: ReadScope, paging: PageRequest): Promise<ConnectionShape<AuditEntry>> {
    const advisor = await scope.myAdvisor();
    if (!advisor) throw forbidden('You have no advisor profile');
    return this.page(scope.em, [{ advisorId: advisor.id }], paging);
  }

  private async page(em: EntityManager, where: FilterQuery<AuditEntry>[], paging: PageRequest): Promise<ConnectionShape<AuditEntry>> {
    const page = pageRequest({ first: paging.first, after: paging.after }, cursorShapes.stringAndId);
    if (page.cursor) where.push(keysetCondition(AUDIT_ORDER, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await em.find(AuditEntry, where.length ? { $and: where } : {}, {
      orderBy: keysetOrder(AUDIT_ORDER, false),
      limit: page.size + 1,
    });
    return toConnection(
      rows,
      page,
      (e) => [e.createdAt.toISOString(), e.id],
      (e) => e,
    );
  }
}
