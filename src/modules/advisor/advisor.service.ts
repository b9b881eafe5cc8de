import { LockMode, UniqueConstraintViolationException, type FilterQuery } from '@mikro-orm/core';
import { assertUuid } from '../../common/ids';
import { badInput, conflict, forbidden, notFound } from '../../common/errors';
import type { Context } from '../../context';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { User } from '../user/user.entity';
import { Advisor, AdvisorStatusChange, ApprovalStatus } from './advisor.entity';
import { nextAdvisorStatus, type AdvisorAction } from './advisor.state';
import type { AdvisorFilter, ApplyAsAdvisorInput, UpdateAdvisorProfileInput } from './advisor.types';
import type { NotificationService } from '../notifications/notification.service';

const clean = (list: string[] | undefined): string[] | undefined =>
  list === undefined ? undefined : [...new Set(list.map((s) => s.trim().toLowerCase()).filter(Boolean))];

/** The columns of an advisor anyone may see (toPublicAdvisor reads nothing else). */
const PUBLIC_COLUMNS = [
  'id',
  'displayName',
  'bio',
  'avatarUrl',
  'skills',
  'specialties',
  'languages',
  'countryCode',
  'calComEventTypeUrl',
  'rating',
  'reviewCount',
  'isAcceptingBookings',
  'createdAt',
] as const satisfies readonly (keyof Advisor)[];

export type PublicAdvisorRow = Pick<Advisor, (typeof PUBLIC_COLUMNS)[number]>;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Pending applications: oldest first. */
const APPLICATION_ORDER = [
  ['appliedAt', 'asc'],
  ['id', 'asc'],
] as const;
/** The public search: best rated first, then most reviewed. */
const SEARCH_ORDER = [
  ['rating', 'desc'],
  ['reviewCount', 'desc'],
  ['id', 'asc'],
] as const;

export class AdvisorService {
  constructor(private readonly notifications: NotificationService) {}

  async apply(ctx: Context, input: ApplyAsAdvisorInput): Promise<Advisor> {
    const viewer = ctx.requireViewer();
    try {
      return await ctx.em.transactional(async (em) => {
        // Serialises two applications of one user so the second sees the first.
        await em.execute('select pg_advisory_xact_lock(hashtext(?), 1)', [`advisor-apply:${viewer.id}`]);
        const user = em.getReference(User, viewer.id);
        let advisor = await em.findOne(Advisor, { user: viewer.id });
        if (advisor) {
          const to = nextAdvisorStatus(advisor.approvalStatus, 'reapply');
          em.persist(new AdvisorStatusChange(advisor, advisor.approvalStatus, to, user, null));
          advisor.approvalStatus = to;
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

  async myProfile(ctx: Context): Promise<Advisor | null> {
    ctx.requireViewer();
    return ctx.myAdvisor();
  }

  async updateProfile(ctx: Context, input: UpdateAdvisorProfileInput): Promise<Advisor> {
    ctx.requireViewer();
    const advisor = await ctx.myAdvisor();
    if (!advisor) throw notFound('Your advisor profile');
    this.assignProfile(advisor, input);
    await ctx.em.flush();
    return advisor;
  }

  async setAcceptingBookings(ctx: Context, accepting: boolean): Promise<Advisor> {
    const advisor = await ctx.requireActiveAdvisor();
    advisor.isAcceptingBookings = accepting;
    await ctx.em.flush();
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
  async decide(ctx: Context, advisorId: string, action: AdvisorAction, note: string | null): Promise<Advisor> {
    const admin = ctx.requireAdmin();
    assertUuid(advisorId);
    if (note && note.length > 2000) throw badInput('note', 'must be at most 2000 characters');
    return ctx.em.transactional(async (em) => {
      const advisor = await em.findOne(Advisor, { id: advisorId }, { populate: ['user'], lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!advisor) throw notFound('Advisor');
      const from = advisor.approvalStatus;
      const to = nextAdvisorStatus(from, action);
      const actor = em.getReference(User, admin.id);
      const now = new Date();
      advisor.approvalStatus = to;
      advisor.decidedBy = actor;
      advisor.decidedAt = now;
      advisor.decisionNote = note;
      if (to === ApprovalStatus.APPROVED && !advisor.approvedAt) advisor.approvedAt = now;
      em.persist(new AdvisorStatusChange(advisor, from, to, actor, note));
      await this.notifications.advisorDecision(em, advisor, action, note);
      return advisor;
    });
  }

  /** Batched per request: a root field that aliases can repeat. */
  async statusHistory(ctx: Context, advisorId: string): Promise<AdvisorStatusChange[]> {
    assertUuid(advisorId);
    return ctx.loaders.advisorHistory.load(advisorId);
  }

  async applications(ctx: Context, first: number | undefined, after: string | undefined): Promise<ConnectionShape<Advisor>> {
    ctx.requireAdmin();
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const where: FilterQuery<Advisor>[] = [{ approvalStatus: ApprovalStatus.PENDING }];
    if (page.cursor) where.push(keysetCondition(APPLICATION_ORDER, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await ctx.em.find(
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

  /** Public search: approved advisors only, ordered by rating, review count, id; one SQL statement. */
  async search(
    ctx: Context,
    filter: AdvisorFilter | undefined,
    first: number | undefined,
    after: string | undefined,
  ): Promise<ConnectionShape<PublicAdvisorRow>> {
    const page = pageRequest(
      { first, after },
      (v) => v.length === 3 && typeof v[0] === 'number' && typeof v[1] === 'number' && typeof v[2] === 'string',
    );
    const and: FilterQuery<Advisor>[] = [{ approvalStatus: ApprovalStatus.APPROVED }];
    const skills = clean(filter?.skills);
    const specialties = clean(filter?.specialties);
    if (skills?.length) and.push({ skills: { $overlap: skills } });
    if (specialties?.length) and.push({ specialties: { $overlap: specialties } });
    if (filter?.languages?.length) and.push({ languages: { $overlap: filter.languages } });
    if (filter?.minRating !== undefined && filter.minRating !== null) and.push({ rating: { $gte: filter.minRating } });
    if (filter?.acceptingBookings !== undefined && filter.acceptingBookings !== null) {
      and.push({ isAcceptingBookings: filter.acceptingBookings });
    }
    const text = filter?.text?.trim();
    if (text) {
      const like = `%${escapeLike(text)}%`;
      and.push({ $or: [{ displayName: { $ilike: like } }, { bio: { $ilike: like } }] });
    }
    if (page.cursor) and.push(keysetCondition(SEARCH_ORDER, page.cursor, false));
    // Plain rows, not managed entities: the public search is the hottest read and only maps
    // columns to a view, so hydrating entities (and their references) would be pure cost.
    const rows = await ctx.em
      .createQueryBuilder(Advisor, 'a')
      .select([...PUBLIC_COLUMNS])
      .where({ $and: and })
      .orderBy(keysetOrder(SEARCH_ORDER, false))
      .limit(page.size + 1)
      .execute<PublicAdvisorRow[]>('all');
    return toConnection(
      rows,
      page,
      (a) => [a.rating, a.reviewCount, a.id],
      (a) => a,
    );
  }

  async publicProfile(ctx: Context, id: string): Promise<Advisor | null> {
    assertUuid(id);
    const advisor = await ctx.loaders.advisorById.load(id);
    return advisor && advisor.approvalStatus === ApprovalStatus.APPROVED ? advisor : null;
  }

  /** Admins may read any advisor; an advisor their own. */
  async profileForAdmin(ctx: Context, id: string): Promise<Advisor> {
    const viewer = ctx.requireViewer();
    assertUuid(id);
    const advisor = await ctx.loaders.advisorById.load(id);
    if (!advisor) throw notFound('Advisor');
    if (!viewer.isAdmin && advisor.user.id !== viewer.id) throw forbidden();
    return advisor;
  }
}
