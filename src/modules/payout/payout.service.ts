import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { actorUserId, type Actor, type PersonActor } from '../../common/actor';
import { badInput, forbidden, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import {
  cursorShapes,
  keysetCondition,
  keysetOrder,
  pageRequest,
  toConnection,
  type ConnectionShape,
  type PageRequest,
} from '../../graphql/connection';
import { isAmbiguousStripeError, type PaymentGateway, type TransferResult } from '../../payments/gateway';
import { Advisor, ApprovalStatus } from '../advisor/advisor.entity';
import { advisorRepository } from '../advisor/advisor.repository';
import type { LedgerService } from '../ledger/ledger.service';
import { monthFromFirstDay, parseMonth, type Month } from '../finance/month';
import { formatCents, type NotificationService } from '../notifications/notification.service';
import { User } from '../user/user.entity';
import { auditPayout } from './payout.audit';
import { AdvisorPayout, PayoutStatus as P } from './payout.entity';
import { createPayoutsForUnpaid, lockPayoutGeneration, queuePayouts } from './payout.repository';
import { changePayoutStatus, holdReason, PROCESSABLE_STATUSES, type TransferOrder } from './payout.state';

/**
 * A payout left PROCESSING this long was abandoned mid-call (the process died): it may be sent
 * again, and its unchanged Idempotency-Key makes Stripe replay the first transfer, not repeat it.
 * Far longer than the SDK's own timeout and retries, so a live call is never raced.
 */
export const STALE_PROCESSING_MS = 10 * 60_000;

export interface GenerateResult {
  month: Month;
  createdCount: number;
}

export interface OnboardingLink {
  url: string;
  expiresAt: Date;
  detailsSubmitted: boolean;
  payoutsEnabled: boolean;
}

/**
 * Monthly payouts: generating them from the ledger, sending them through Stripe Connect, and the
 * Connect account they go to.
 *
 * Money rules (with THE EARNINGS RULE in ledger.service.ts):
 * - A payout for month M is the sum of every ledger entry of the advisor accrued before the first
 *   instant of M+1 that is in no payout yet; those exact entries point at it, set in the same
 *   statement that creates it, so every entry is paid in exactly one payout. A sum of zero or less
 *   makes no payout: the entries stay unpaid and roll into the next month's sum.
 * - Only finished months are paid out. An entry that arrives later for a month already paid out
 *   (a consultation completed late, a refund) is unpaid and rolls into the next payout.
 * - A transfer is sent at most once per payout: the payout is claimed (PROCESSING) in a
 *   transaction holding its row lock, and the transfer carries an Idempotency-Key derived from the
 *   payout, unchanged after an ambiguous failure.
 * - A transfer reversed after it was paid re-credits the reversed amount as a new MANUAL entry,
 *   so it is paid again in the next payout; the payout and its entries are never edited back.
 */
export class PayoutService {
  constructor(
    private readonly deps: {
      config: Config;
      log: Logger;
      payments: PaymentGateway;
      notifications: NotificationService;
      ledger: LedgerService;
      em: () => EntityManager;
    },
  ) {}

  // ---------------------------------------------------------------- generation

  /**
   * One payout per advisor with a positive unpaid balance up to the end of a finished month and no
   * payout for the month yet; returns how many it created (the month's payouts: {@link ofMonth}).
   * Safe to run again, or twice at once (one lock per run, then one set-based statement that
   * re-checks).
   */
  async generate(actor: Actor, monthKey: string): Promise<GenerateResult> {
    const month = parseMonth(monthKey);
    if (month.end.getTime() > Date.now()) {
      throw badInput('month', `${month.key} is not over yet; payouts are generated for finished months`);
    }
    // The lock makes a second run wait, then find this run's payouts; one statement writes the payouts,
    // their entries' payout_id and their audit entries, so none can commit without the others.
    const created = await this.deps.em().transactional(async (em) => {
      await lockPayoutGeneration(em);
      const r = await createPayoutsForUnpaid(em, actor, month.firstDay, month.end);
      // An entry changed under the statement: nothing of this run may commit, and a rerun starts afresh.
      if (r.mismatched > 0) throw new Error(`payout generation for ${month.key}: ${r.mismatched} payout(s) do not match their entries`);
      return r.created;
    });
    return { month, createdCount: created };
  }

  // ---------------------------------------------------------------- processing

  /** Every payout of the month that is not paid or in flight (or abandoned in flight), one after the other. */
  async processMonth(actor: Actor, monthKey: string): Promise<AdvisorPayout[]> {
    const month = parseMonth(monthKey);
    const due = await this.deps.em().find(
      AdvisorPayout,
      {
        payoutMonth: month.firstDay,
        $or: [{ status: { $in: [P.PENDING, P.FAILED, P.ON_HOLD] } }, { status: P.PROCESSING, updatedAt: { $lt: staleBefore() } }],
      },
      { fields: ['id'], orderBy: { id: 'asc' } },
    );
    for (const { id } of due) {
      try {
        await this.process(actor, id);
      } catch (err) {
        // A fault of ours on one payout must not stop the others; it stays retryable.
        this.deps.log.error({ err, payoutId: id }, 'processing a payout failed');
      }
    }
    return this.ofMonth(month);
  }

  /**
   * Claims the payout (PENDING, FAILED or ON_HOLD -> PROCESSING) under its row lock, sends the
   * transfer outside any transaction, then records PAID or FAILED. A second caller meanwhile sees
   * PROCESSING or PAID and sends nothing. An admin's mutation, and the `process_payout` job (as
   * the SCHEDULER).
   */
  async process(actor: Actor, id: string): Promise<AdvisorPayout> {
    assertUuid(id);
    const changedById = actorUserId(actor);
    await this.refreshAccountIfBlocked(id);

    const claim = await this.deps.em().transactional(async (em) => {
      const p = await em.findOne(AdvisorPayout, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!p) throw notFound('Payout');
      const advisor = await em.findOneOrFail(Advisor, { id: p.advisor.id });
      if (p.status === P.PAID) return { payout: p, order: null };
      const stale = p.status === P.PROCESSING && Date.now() - p.updatedAt.getTime() > STALE_PROCESSING_MS;
      if (p.status === P.PROCESSING && !stale) return { payout: p, order: null };
      const audit = (from: P, reason: string | null) => auditPayout(em, actor, 'payout.process', p, from, p.status, reason);
      const from = p.status;
      if (!stale) {
        const hold = holdReason(advisor);
        if (hold) {
          changePayoutStatus(em, p, P.ON_HOLD, { reason: hold, changedById });
          audit(from, hold);
          return { payout: p, order: null };
        }
        changePayoutStatus(em, p, P.PROCESSING, { reason: null, changedById });
      }
      audit(from, stale ? 'A stale claim taken over' : null);
      p.attempts += 1;
      p.statusReason = null;
      p.processedBy = changedById ? em.getReference(User, changedById) : null;
      p.transferIdempotencyKey ??= `payout:${p.id}`;
      // Touched even when nothing else changes, so a stale claim taken over looks fresh again.
      p.updatedAt = new Date();
      const order: TransferOrder = {
        payoutId: p.id,
        advisorId: advisor.id,
        destination: advisor.stripeConnectAccountId!,
        amountCents: p.totalCents,
        currency: p.currency,
        month: monthFromFirstDay(p.payoutMonth),
        idempotencyKey: p.transferIdempotencyKey,
      };
      return { payout: p, order };
    });
    if (!claim.order) return this.reload(claim.payout.id);

    const order = claim.order;
    let transfer: TransferResult | null = null;
    let failure: unknown = null;
    try {
      transfer = await this.deps.payments.createTransfer({
        amountCents: order.amountCents,
        currency: order.currency,
        destination: order.destination,
        transferGroup: `payout:${order.payoutId}`,
        idempotencyKey: order.idempotencyKey,
        description: `Advisor payout ${order.month.label}`,
        // Deterministic, so that a retry sends the very same request under the same key.
        metadata: { payout_id: order.payoutId, advisor_id: order.advisorId, payout_month: order.month.key },
      });
    } catch (err) {
      failure = err;
      this.deps.log.warn({ err, payoutId: order.payoutId }, 'payout transfer failed');
    }

    await this.deps.em().transactional(async (em) => {
      const p = await em.findOneOrFail(AdvisorPayout, { id: order.payoutId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      // Someone took over a stale claim and already recorded the outcome.
      if (p.status !== P.PROCESSING) return;
      await em.populate(p, ['advisor.user']);
      if (transfer) {
        changePayoutStatus(em, p, P.PAID, { reason: null, changedById });
        p.stripeTransferId = transfer.id;
        p.processedAt = new Date();
        await this.notifyPaid(em, p);
        auditPayout(em, actor, 'payout.paid', p, P.PROCESSING, P.PAID, null, { stripeTransferId: transfer.id });
      } else {
        const ambiguous = isAmbiguousStripeError(failure);
        const message = (failure as Error)?.message || 'The transfer failed';
        const reason = ambiguous ? `${message} (no answer from Stripe; a retry sends the same transfer request)` : message;
        changePayoutStatus(em, p, P.FAILED, { reason, changedById });
        auditPayout(em, actor, 'payout.failed', p, P.PROCESSING, P.FAILED, reason);
        // Stripe refused outright and would replay that refusal for the same key: the next try is a new request.
        if (!ambiguous) p.transferIdempotencyKey = `payout:${p.id}:${p.attempts + 1}`;
      }
    });
    return this.reload(order.payoutId);
  }

  /**
   * The sweep: a claim left PROCESSING by a process that died mid-transfer is taken over once
   * stale; the transfer keeps its key, so Stripe answers the transfer it may already have made.
   */
  async queueStaleClaims(): Promise<number> {
    return queuePayouts(this.deps.em(), `status = 'processing' and updated_at < ?`, [staleBefore()]);
  }

  /** An account that looks not ready may be ready by now: account.updated can be late or lost. */
  private async refreshAccountIfBlocked(payoutId: string): Promise<void> {
    const em = this.deps.em();
    const p = await em.findOne(AdvisorPayout, { id: payoutId }, { populate: ['advisor'] });
    if (!p || !PROCESSABLE_STATUSES.includes(p.status)) return;
    const accountId = p.advisor.stripeConnectAccountId;
    if (!accountId || p.advisor.stripePayoutsEnabled) return;
    try {
      const state = await this.deps.payments.retrieveAccount(accountId);
      await this.applyAccountState(accountId, state, false);
    } catch (err) {
      this.deps.log.warn({ err, payoutId }, 'could not refresh the Connect account state');
    }
  }

  private async notifyPaid(em: EntityManager, p: AdvisorPayout): Promise<void> {
    const month = monthFromFirstDay(p.payoutMonth);
    await this.deps.notifications.payoutProcessed(em, {
      id: p.id,
      advisor: p.advisor,
      monthKey: month.key,
      monthLabel: month.label,
      amountCents: p.totalCents,
      currency: p.currency,
      consultationsCount: await this.deps.ledger.earningsInPayout(em, p.id),
    });
  }

  // ---------------------------------------------------------------- Stripe Connect

  /** Creates the advisor's Express account on first use and returns a fresh onboarding link. */
  async startOnboarding(actor: PersonActor): Promise<OnboardingLink> {
    const advisor = await this.deps.em().findOne(Advisor, { user: actor.id, approvalStatus: ApprovalStatus.APPROVED });
    if (!advisor) throw forbidden('Only an approved advisor can do this');
    let accountId = advisor.stripeConnectAccountId;
    if (!accountId) {
      // Outside any transaction; the Idempotency-Key (from the advisor id) makes two clicks one account.
      const account = await this.deps.payments.createExpressAccount({ advisorId: advisor.id, email: actor.email });
      accountId = await advisorRepository.setConnectAccountIfNone(this.deps.em(), advisor.id, account.id);
    }
    const link = await this.deps.payments.createOnboardingLink({
      accountId,
      refreshUrl: this.deps.config.stripe.connectRefreshUrl,
      returnUrl: this.deps.config.stripe.connectReturnUrl,
    });
    const fresh = await this.deps.em().findOneOrFail(Advisor, { id: advisor.id });
    return { ...link, detailsSubmitted: fresh.stripeDetailsSubmitted, payoutsEnabled: fresh.stripePayoutsEnabled };
  }

  /**
   * From the account.updated webhook (with the account as Stripe has it now). When payouts become
   * possible, the advisor's payouts held for want of them are queued to be sent.
   */
  async onAccountUpdated(accountId: string, state: { detailsSubmitted: boolean; payoutsEnabled: boolean }): Promise<void> {
    await this.applyAccountState(accountId, state, true);
  }

  private async applyAccountState(
    accountId: string,
    state: { detailsSubmitted: boolean; payoutsEnabled: boolean },
    releaseHolds: boolean,
  ): Promise<void> {
    await this.deps.em().transactional(async (em) => {
      const advisorId = await advisorRepository.setConnectAccountState(em, accountId, state);
      if (!advisorId || !state.payoutsEnabled || !releaseHolds) return;
      await queuePayouts(em, `advisor_id = ? and status = 'on_hold'`, [advisorId]);
    });
  }

  /**
   * From the transfer.reversed webhook; `amountReversedCents` is the transfer's total reversed so
   * far. The payout stays as it was (the money did go out) and the entries stay paid; what came
   * back is owed to the advisor again, so it becomes an unpaid MANUAL entry of plus that amount,
   * carried into the next payout. Keyed by the running total, so a redelivery adds nothing and a
   * second partial reversal adds only its own part.
   */
  async onTransferReversed(transferId: string, amountReversedCents: number): Promise<void> {
    if (!Number.isInteger(amountReversedCents) || amountReversedCents <= 0) return;
    let payoutId = await this.payoutIdForTransfer(transferId);
    if (!payoutId) {
      // The webhook can beat our own record of the transfer: the transfer names its payout.
      const transfer = await this.deps.payments.retrieveTransfer(transferId);
      payoutId = transfer.metadata.payout_id ?? null;
    }
    if (!payoutId) return; // not one of ours
    await this.deps.em().transactional(async (em) => {
      const p = await em.findOne(AdvisorPayout, { id: payoutId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!p) return;
      const month = monthFromFirstDay(p.payoutMonth);
      const credited = await this.deps.ledger.recreditTransferReversal(em, {
        advisorId: p.advisor.id,
        transferId,
        amountReversedCents,
        notes: (delta) =>
          `Transfer reversed\nThe ${month.label} payout transfer ${transferId} was reversed by ${formatCents(delta, p.currency)}; re-credited to the next payout.`,
      });
      if (credited <= 0) return;
      p.statusReason = `Transfer reversed: ${formatCents(amountReversedCents, p.currency)} of it re-credited to the next payout`;
    });
  }

  private async payoutIdForTransfer(transferId: string): Promise<string | null> {
    const p = await this.deps.em().findOne(AdvisorPayout, { stripeTransferId: transferId }, { fields: ['id'] });
    return p?.id ?? null;
  }

  // ---------------------------------------------------------------- reads

  async list(filter: { month?: string | null; status?: P | null }, paging: PageRequest): Promise<ConnectionShape<AdvisorPayout>> {
    const page = pageRequest(paging, cursorShapes.stringAndId);
    const order = [
      ['payoutMonth', 'desc'],
      ['id', 'asc'],
    ] as const;
    const and: FilterQuery<AdvisorPayout>[] = [];
    if (filter.month) and.push({ payoutMonth: parseMonth(filter.month).firstDay });
    if (filter.status) and.push({ status: filter.status });
    if (page.cursor) and.push(keysetCondition(order, page.cursor, page.backward));
    const rows = await this.deps.em().find(AdvisorPayout, and.length ? { $and: and } : {}, {
      populate: ['advisor'],
      orderBy: keysetOrder(order, page.backward),
      limit: page.size + 1,
    });
    return toConnection(
      rows,
      page,
      (p) => [monthFromFirstDay(p.payoutMonth).firstDay, p.id],
      (p) => p,
    );
  }

  /** One payout, through the request's batching loader. */
  async get(loader: { load(id: string): Promise<AdvisorPayout | null> }, id: string): Promise<AdvisorPayout> {
    assertUuid(id);
    const p = await loader.load(id);
    if (!p) throw notFound('Payout');
    return p;
  }

  /** Every payout of the month, by advisor name. */
  ofMonth(month: Month): Promise<AdvisorPayout[]> {
    return this.deps
      .em()
      .find(
        AdvisorPayout,
        { payoutMonth: month.firstDay },
        { populate: ['advisor'], orderBy: { advisor: { displayName: 'asc' }, id: 'asc' } },
      );
  }

  private reload(id: string): Promise<AdvisorPayout> {
    return this.deps.em().findOneOrFail(AdvisorPayout, { id }, { populate: ['advisor'] });
  }
}

const staleBefore = () => new Date(Date.now() - STALE_PROCESSING_MS);
