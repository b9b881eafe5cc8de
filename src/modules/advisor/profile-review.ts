import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { PersonActor } from '../../common/actor';
import { badInput, conflict, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { ReadScope } from '../../common/read-scope';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { auditLog } from '../audit/audit.service';
import { User } from '../user/user.entity';
import { Advisor, ApprovalStatus } from './advisor.entity';
import { AdvisorProfileChange, ProfileChangeStatus, type ReviewedProfileFields } from './profile-change.entity';

/** The public fields an approved advisor changes only with an admin's approval. */
export const REVIEWED_FIELDS = ['displayName', 'calComEventTypeUrl'] as const satisfies readonly (keyof ReviewedProfileFields)[];

/** Once approved (and while suspended, since reactivation makes the profile live again), the reviewed fields wait for an admin. */
export function changesNeedReview(advisor: Pick<Advisor, 'approvalStatus'>): boolean {
  return advisor.approvalStatus === ApprovalStatus.APPROVED || advisor.approvalStatus === ApprovalStatus.SUSPENDED;
}

/** Pending requests: oldest first. */
const REQUEST_ORDER = [
  ['requestedAt', 'asc'],
  ['id', 'asc'],
] as const;

function liveValues(advisor: Advisor, keys: readonly (keyof ReviewedProfileFields)[]): ReviewedProfileFields {
  return Object.fromEntries(keys.map((k) => [k, advisor[k]]));
}

/**
 * The review of approved advisors' public profile changes (advisor_profile_changes, owned by the
 * advisor module): requests made by updateProfile, the admins' queue, and their decisions. Every
 * request and decision is recorded in audit_log. Role checks are the resolvers'.
 */
export class ProfileReview {
  constructor(private readonly deps: { em: () => EntityManager }) {}

  /**
   * Inside updateProfile's transaction, with the advisor row locked: the requested values that
   * differ from the live ones become the advisor's pending request, merged into the one already
   * pending; asking for the live values again takes that part back.
   */
  async request(em: EntityManager, viewer: PersonActor, advisor: Advisor, requested: ReviewedProfileFields): Promise<void> {
    if (Object.keys(requested).length === 0) return;
    const pending = await em.findOne(AdvisorProfileChange, { advisor: advisor.id, status: ProfileChangeStatus.PENDING });
    const changes: ReviewedProfileFields = { ...(pending?.changes ?? {}), ...requested };
    for (const key of REVIEWED_FIELDS) if (key in changes && changes[key] === advisor[key]) delete changes[key];
    const keys = REVIEWED_FIELDS.filter((k) => k in changes);
    if (pending && JSON.stringify(pending.changes) === JSON.stringify(changes)) return;
    const before = pending ? { ...liveValues(advisor, keys), pending: pending.changes } : liveValues(advisor, keys);
    let change = pending;
    if (change && keys.length === 0) {
      change.status = ProfileChangeStatus.WITHDRAWN;
      change.decidedAt = new Date();
    } else if (change) {
      change.changes = changes;
      change.requestedAt = new Date();
    } else if (keys.length > 0) {
      change = new AdvisorProfileChange(advisor, changes);
      em.persist(change);
    } else {
      return;
    }
    auditLog.record(em, viewer, {
      action: keys.length ? 'advisor_profile.change_requested' : 'advisor_profile.change_withdrawn',
      subjectType: 'advisor',
      subjectId: advisor.id,
      before,
      after: keys.length ? { requested: changes } : null,
    });
  }

  /** The advisor's pending request, if any. */
  async pendingFor(em: EntityManager, advisorId: string): Promise<AdvisorProfileChange | null> {
    return em.findOne(AdvisorProfileChange, { advisor: advisorId, status: ProfileChangeStatus.PENDING });
  }

  /** Pending requests, oldest first, with their advisors (admins). */
  async pending(
    scope: Pick<ReadScope, 'em'>,
    first: number | undefined,
    after: string | undefined,
  ): Promise<ConnectionShape<AdvisorProfileChange>> {
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const where: object[] = [{ status: ProfileChangeStatus.PENDING }];
    if (page.cursor) where.push(keysetCondition(REQUEST_ORDER, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await scope.em.find(
      AdvisorProfileChange,
      { $and: where },
      { orderBy: keysetOrder(REQUEST_ORDER, false), limit: page.size + 1, populate: ['advisor'] },
    );
    return toConnection(
      rows,
      page,
      (c) => [c.requestedAt.toISOString(), c.id],
      (c) => c,
    );
  }

  /** An admin approves (the values go live) or rejects (the live profile stays) a pending request. */
  async decide(admin: PersonActor, id: string, decision: 'approve' | 'reject', note: string | null): Promise<AdvisorProfileChange> {
    assertUuid(id);
    if (note && note.length > 2000) throw badInput('note', 'must be at most 2000 characters');
    return this.deps.em().transactional(async (em) => {
      const change = await em.findOne(AdvisorProfileChange, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!change) throw notFound('Profile change');
      if (change.status !== ProfileChangeStatus.PENDING) throw conflict(`This profile change is already ${change.status}`);
      const advisor = await em.findOneOrFail(Advisor, { id: change.advisor.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const keys = REVIEWED_FIELDS.filter((k) => k in change.changes);
      const before = liveValues(advisor, keys);
      if (decision === 'approve') {
        if (change.changes.displayName !== undefined) advisor.displayName = change.changes.displayName;
        if (change.changes.calComEventTypeUrl !== undefined) advisor.calComEventTypeUrl = change.changes.calComEventTypeUrl;
      }
      change.status = decision === 'approve' ? ProfileChangeStatus.APPROVED : ProfileChangeStatus.REJECTED;
      change.decidedBy = em.getReference(User, admin.id);
      change.decidedAt = new Date();
      change.note = note;
      auditLog.record(em, admin, {
        action: decision === 'approve' ? 'advisor_profile.change_approved' : 'advisor_profile.change_rejected',
        subjectType: 'advisor',
        subjectId: advisor.id,
        reason: note,
        before,
        after: decision === 'approve' ? liveValues(advisor, keys) : { rejected: change.changes },
      });
      return change;
    });
  }
}
