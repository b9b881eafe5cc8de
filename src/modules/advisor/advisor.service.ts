import { LockMode, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import { assertUuid } from '../../common/ids';
import { badInput, conflict, forbidden, notFound } from '../../common/errors';
import type { PersonActor } from '../../common/actor';
import type { ReadScope } from '../../common/read-scope';
import type { EntityManager } from '@mikro-orm/postgresql';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { User } from '../user/user.entity';
import { Advisor, AdvisorStatusChange, ApprovalStatus } from './advisor.entity';
import { advisorRepository } from './advisor.repository';
import { advisorMachine, nextAdvisorStatus, type AdvisorAction } from './advisor.state';
import type { AdvisorFilter, ApplyAsAdvisorInput, UpdateAdvisorProfileInput } from './advisor.types';
import type { NotificationService } from '../notifications/notification.service';
import { auditLog } from '../audit/audit.service';
import { AdvisorProfileChange, type ReviewedProfileFields } from './profile-change.entity';
import { changesNeedReview, type ProfileReview } from './profile-review';

const clean = (list: string[] | undefined): string[] | undefined =>
  list === undefined ? undefined : [...new Set(list.map((s) => s.trim().toLowerCase()).filter(Boolean))];

/** The public fields an advisor edits (updateAdvisorProfile). */
const EDITABLE_PUBLIC = [
  'displayName',
  'bio',
  'avatarUrl',
  'skills',
  'specialties',
  'languages',
  'countryCode',
  'calComEventTypeUrl',
] as const satisfies readonly (keyof Advisor)[];

/** The fields updateAdvisorProfile edits, as audit_log records them. */
const PROFILE_FIELDS = [...EDITABLE_PUBLIC, 'timezone', 'locale'] as const satisfies readonly (keyof Advisor)[];

/** The columns of an advisor anyone may see (toPublicAdvisor reads nothing else). */
const PUBLIC_COLUMNS = [
  'id',
  ...EDITABLE_PUBLIC,
  'rating',
  'reviewCount',
  'isAcceptingBookings',
  'createdAt',
] as const satisfies readonly (keyof Advisor)[];

const profileSnapshot = (a: Advisor): Record<string, unknown> =>
  Object.fromEntries(PROFILE_FIELDS.map((k) => [k, Array.isArray(a[k]) ? [...(a[k] as string[])] : a[k]]));

export type PublicAdvisorRow = Pick<Advisor, (typeof PUBLIC_COLUMNS)[number]>;

let publicSelectSql: string | undefined;
/** PUBLIC_COLUMNS as a select list aliased to their property names, from the entity's own mapping. */
function publicSelect(em: EntityManager): string {
  return (publicSelectSql ??= PUBLIC_COLUMNS.map((k) => {
    const column = em.getMetadata().get(Advisor).properties[k].fieldNames[0]!;
    return column === k ? `a.${column}` : `a.${column} as "${k}"`;
  }).join(', '));
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Pending applications: oldest first. */
const APPLICATION_ORDER = [
  ['appliedAt', 'asc'],
  ['id', 'asc'],
] as const;

/**
 * The advisor module owns the advisors table: applications, profiles, approval decisions (on the
 * approval state machine, each with history) and the public search. Role checks are the
 * resolvers'; whose profile it is, is checked here.
 */
export class AdvisorService {
  constructor(
    private readonly deps: {
      notifications: NotificationService;
      review: ProfileReview;
      em: () => EntityManager;
    },
  ) {}

  async apply(viewer: PersonActor, input: ApplyAsAdvisorInput): Promise<Advisor> {
    try {
      return await this.deps.em().transactional(async (em) => {
        // Serialises two applications of one user so the second sees the first.
        await advisorRepository.lockApplicationsOf(em, viewer.id);
        const user = em.getReference(User, viewer.id);
        let advisor = await em.findOne(Advisor, { user: viewer.id });
        if (advisor) {
          const to = nextAdvisorStatus(advisor.approvalStatus, 'reapply');
          this.move(em, advisor, to, user, null);
          advisor.appliedAt = new Date();
          advisor.decidedAt = null;
          advisor.decidedBy = null;
          advisor.decisionNote = null;
        } else {
          advisor = new Advisor(user, input.displayName.trim());
          em.persist(advisor);
          em.persist(new AdvisorStatusChange(advisor, null, ApprovalStatus.PENDING, user, null));
        }
        this.assignProfile(advisor, input);
        return advisor;
      });
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict('You already have an advisor application');
      if (err instanceof Error && 'code' in err && err.code === 'CONFLICT') {
        throw conflict('You already have a live advisor application; it can be changed with updateAdvisorProfile');
      }
      throw err;
    }
  }

  async myProfile(scope: ReadScope): Promise<Advisor | null> {
    return scope.myAdvisor();
  }

  /**
   * The advisor's own profile. Once approved, a new display name or booking link waits for an
   * admin (ProfileReview) while the live profile keeps the old values; every other edit applies
   * at once. Both are recorded in audit_log.
   */
  async updateProfile(viewer: PersonActor, input: UpdateAdvisorProfileInput): Promise<Advisor> {
    return this.deps.em().transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { user: viewer.id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!advisor) throw notFound('Your advisor profile');
      await em.populate(advisor, ['user']);
      let immediate = input;
      if (changesNeedReview(advisor)) {
        const { displayName, calComEventTypeUrl, ...rest } = input;
        immediate = rest;
        const requested: ReviewedProfileFields = {};
        if (displayName !== undefined && displayName !== null) requested.displayName = displayName.trim();
        if (calComEventTypeUrl !== undefined) requested.calComEventTypeUrl = calComEventTypeUrl || null;
        await this.deps.review.request(em, viewer, advisor, requested);
      }
      const before = profileSnapshot(advisor);
      this.assignProfile(advisor, immediate);
      const after = profileSnapshot(advisor);
      const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      if (changed.length) {
        auditLog.record(em, viewer, {
          action: 'advisor_profile.update',
          subjectType: 'advisor',
          subjectId: advisor.id,
          before: Object.fromEntries(changed.map((k) => [k, before[k]])),
          after: Object.fromEntries(changed.map((k) => [k, after[k]])),
        });
      }
      return advisor;
    });
  }

  /**
   * An admin edits any advisor's profile; the values go live at once (an admin made them, so no
   * review), recorded in audit_log with the reason and the changed fields before and after.
   */
  async adminUpdateProfile(admin: PersonActor, advisorId: string, input: UpdateAdvisorProfileInput, reason: string): Promise<Advisor> {
    assertUuid(advisorId);
    const why = reason.trim();
    if (why.length < 3 || why.length > 1000) throw badInput('reason', 'must be 3 to 1000 characters');
    return this.deps.em().transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { id: advisorId }, { populate: ['user'], lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!advisor) throw notFound('Advisor');
      const before = profileSnapshot(advisor);
      this.assignProfile(advisor, input);
      const after = profileSnapshot(advisor);
      const changed = Object.keys(after).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]));
      auditLog.record(em, admin, {
        action: 'advisor_profile.admin_update',
        subjectType: 'advisor',
        subjectId: advisor.id,
        reason: why,
        before: Object.fromEntries(changed.map((k) => [k, before[k]])),
        after: Object.fromEntries(changed.map((k) => [k, after[k]])),
      });
      return advisor;
    });
  }

  /**
   * Inside an erasure's transaction: the profile keeps no personal data and leaves search at once
   * (an approved advisor is suspended, with its history row); ratings and money records stay.
   */
  async erase(em: EntityManager, actor: PersonActor, advisorId: string): Promise<void> {
    const advisor = await em.findOneOrFail(Advisor, { id: advisorId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (advisor.approvalStatus === ApprovalStatus.APPROVED) {
      this.move(em, advisor, ApprovalStatus.SUSPENDED, em.getReference(User, actor.id), 'Account erased');
    }
    Object.assign(advisor, {
      displayName: 'Erased advisor',
      bio: null,
      avatarUrl: null,
      skills: [],
      specialties: [],
      languages: [],
      countryCode: null,
      calComEventTypeUrl: null,
      timezone: null,
      isAcceptingBookings: false,
    });
    await em.nativeUpdate(AdvisorProfileChange, { advisor: advisorId }, { changes: {} });
  }

  /** Only an approved advisor's own profile. */
  async setAcceptingBookings(viewer: PersonActor, accepting: boolean): Promise<Advisor> {
    const em = this.deps.em();
    const advisor = await em.findOne(Advisor, { user: viewer.id }, { populate: ['user'] });
    if (!advisor || advisor.approvalStatus !== ApprovalStatus.APPROVED) throw forbidden('Only an approved advisor can do this');
    advisor.isAcceptingBookings = accepting;
    await em.flush();
    return advisor;
  }

  private assignProfile(advisor: Advisor, input: UpdateAdvisorProfileInput): void {
    if (input.displayName !== undefined) advisor.displayName = input.displayName.trim();
    if (input.bio !== undefined) advisor.bio = input.bio?.trim() || null;
    if (input.avatarUrl !== undefined) advisor.avatarUrl = input.avatarUrl || null;
    if (input.skills !== undefined) advisor.skills = clean(input.skills)!;
    if (input.specialties !== undefined) advisor.specialties = clean(input.specialties)!;
    if (input.languages !== undefined) advisor.languages = [...new Set(input.languages)];
    if (input.countryCode !== undefined) advisor.countryCode = input.countryCode?.toUpperCase() ?? null;
    if (input.calComEventTypeUrl !== undefined) advisor.calComEventTypeUrl = input.calComEventTypeUrl || null;
    if (input.timezone !== undefined) advisor.timezone = input.timezone || null;
    if (input.locale !== undefined) advisor.locale = input.locale?.toLowerCase() || null;
  }

  /** Admin decisions, all through the approval state machine, each recorded with who, when and why. */
  async decide(admin: PersonActor, advisorId: string, action: AdvisorAction, note: string | null): Promise<Advisor> {
    assertUuid(advisorId);
    if (note && note.length > 2000) throw badInput('note', 'must be at most 2000 characters');
    return this.deps.em().transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { id: advisorId }, { populate: ['user'], lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!advisor) throw notFound('Advisor');
      const from = advisor.approvalStatus;
      const to = nextAdvisorStatus(from, action);
      const actor = em.getReference(User, admin.id);
      const now = new Date();
      this.move(em, advisor, to, actor, note);
      advisor.decidedBy = actor;
      advisor.decidedAt = now;
      advisor.decisionNote = note;
      if (to === ApprovalStatus.APPROVED && !advisor.approvedAt) advisor.approvedAt = now;
      auditLog.record(em, admin, {
        action: `advisor.${action}`,
        subjectType: 'advisor',
        subjectId: advisor.id,
        reason: note,
        before: { approvalStatus: from },
        after: { approvalStatus: to },
      });
      await this.deps.notifications.advisorDecision(em, advisor, action, note);
      return advisor;
    });
  }

  /** The one way an approval status changes: through the machine, with its history row. */
  private move(em: EntityManager, advisor: Advisor, to: ApprovalStatus, by: User | null, note: string | null): void {
    const target = { status: advisor.approvalStatus };
    advisorMachine.apply(target, to, (change) => em.persist(new AdvisorStatusChange(advisor, change.from, change.to, by, note)));
    advisor.approvalStatus = target.status;
  }

  /** A new review's rating, added to the advisor's totals (see advisorRepository.addRating). */
  async addRating(em: EntityManager, advisorId: string, rating: number): Promise<void> {
    await advisorRepository.addRating(em, advisorId, rating);
  }

  /** Batched per request: a root field that aliases can repeat. */
  async statusHistory(scope: Pick<ReadScope, 'loaders'>, advisorId: string): Promise<AdvisorStatusChange[]> {
    assertUuid(advisorId);
    return scope.loaders.advisorHistory.load(advisorId);
  }

  /** Pending applications, for admins (the resolver checks the role). */
  async applications(
    scope: Pick<ReadScope, 'em'>,
    first: number | undefined,
    after: string | undefined,
  ): Promise<ConnectionShape<Advisor>> {
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const where: FilterQuery<Advisor>[] = [{ approvalStatus: ApprovalStatus.PENDING }];
    if (page.cursor) where.push(keysetCondition(APPLICATION_ORDER, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await scope.em.find(
      Advisor,
      { $and: where },
      { orderBy: keysetOrder(APPLICATION_ORDER, false), limit: page.size + 1, populate: ['user'] },
    );
    return toConnection(
      rows,
      page,
      (a) => [a.appliedAt.toISOString(), a.id],
      (a) => a,
    );
  }

  /** Public search: approved advisors only, best rated first, then most reviewed, then by id; one SQL statement. */
  async search(
    scope: Pick<ReadScope, 'em'>,
    filter: AdvisorFilter | undefined,
    first: number | undefined,
    after: string | undefined,
  ): Promise<ConnectionShape<PublicAdvisorRow>> {
    const page = pageRequest(
      { first, after },
      (v) => v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'string',
    );
    // Hand-written and parameterised: building this through the query builder cost about a
    // millisecond per search, more than the rest of the statement's work here.
    const where: string[] = [];
    const params: unknown[] = [];
    const and = (sql: string, ...values: unknown[]) => {
      where.push(sql);
      params.push(...values);
    };
    and('a.approval_status = ?', ApprovalStatus.APPROVED);
    const skills = clean(filter?.skills);
    const specialties = clean(filter?.specialties);
    if (skills?.length) and('a.skills && array[?]::text[]', skills);
    if (specialties?.length) and('a.specialties && array[?]::text[]', specialties);
    if (filter?.languages?.length) and('a.languages && array[?]::text[]', filter.languages);
    if (filter?.minRating !== undefined && filter.minRating !== null) and('a.rating >= ?', filter.minRating);
    if (filter?.acceptingBookings !== undefined && filter.acceptingBookings !== null) {
      and('a.is_accepting_bookings = ?', filter.acceptingBookings);
    }
    const text = filter?.text?.trim();
    if (text) {
      const like = `%${escapeLike(text)}%`;
      and('(a.display_name ilike ? or a.bio ilike ?)', like, like);
    }
    if (page.cursor) {
      // The rows after the cursor in the search order: rating below, or equal and fewer reviews, or both equal and a later id.
      const [rating, reviewCount, id] = page.cursor;
      and(
        '(a.rating < ? or (a.rating = ? and a.review_count < ?) or (a.rating = ? and a.review_count = ? and a.id > ?))',
        rating,
        rating,
        reviewCount,
        rating,
        reviewCount,
        id,
      );
    }
    params.push(page.size + 1);
    // Plain rows, not managed entities: the public search is the hottest read and only maps
    // columns to a view, so hydrating entities (and their references) would be pure cost.
    const rows = (
      await scope.em.execute<(PublicAdvisorRow & { createdAt: Date | string })[]>(
        `select ${publicSelect(scope.em)} from advisors a where ${where.join(' and ')}
         order by a.rating desc, a.review_count desc, a.id asc limit ?`,
        params,
      )
    ).map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
    return toConnection(
      rows,
      page,
      (a) => [a.rating, a.reviewCount, a.id],
      (a) => a,
    );
  }

  async publicProfile(scope: Pick<ReadScope, 'loaders'>, id: string): Promise<Advisor | null> {
    assertUuid(id);
    const advisor = await scope.loaders.advisorById.load(id);
    return advisor && advisor.approvalStatus === ApprovalStatus.APPROVED ? advisor : null;
  }

  /** Admins may read any advisor; an advisor their own. */
  async profileForAdmin(scope: ReadScope, id: string): Promise<Advisor> {
    const viewer = scope.actor;
    assertUuid(id);
    const advisor = await scope.loaders.advisorById.load(id);
    if (!advisor) throw notFound('Advisor');
    if (!viewer.isAdmin && advisor.user.id !== viewer.id) throw forbidden();
    return advisor;
  }
}
