import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Actor, PersonActor } from '../../common/actor';
import { badInput, conflict, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { Config } from '../../config';
import { enqueue } from '../../jobs/queue';
import type { ConsultationPaymentRequest, PaymentGateway } from '../../payments/gateway';
import { Advisor } from '../advisor/advisor.entity';
import { auditLog } from '../audit/audit.service';
import type { NotificationService } from '../notifications/notification.service';
import { ChargeStatus, ConsultationCharge, RefundSource } from './charge.entity';
import { ActorKind, Consultation, ConsultationStatus as S } from './consultation.entity';
import { paymentRequest, type ConsultationBooking } from './booking';
import { consultationMachine } from './consultation.state';
import { actingSystem, type Acting, type ConsultationLifecycle } from './lifecycle';
import { decideCancellationRefund } from './refund-policy';
import { refundSourceFor, type ConsultationRefunds } from './refunds';

export interface CancelOptions {
  /** For Cal.com: whom its cancellation is taken from (the refund policy judges that party). */
  onBehalfOf?: 'client' | 'advisor';
  /** When the cancellation was made (a webhook may arrive late); the policy judges that moment. */
  at?: Date;
}

/**
 * What people and Cal.com do to a booked consultation: cancel under the refund policy, mark it
 * completed or a no-show, and an admin's discretionary refund. Role checks are the resolvers'
 * (@Authorized); whether this actor may act on this consultation is decided here.
 */
export class ConsultationActions {
  constructor(
    private readonly deps: {
      config: Config;
      log: Logger;
      payments: PaymentGateway;
      notifications: NotificationService;
      lifecycle: ConsultationLifecycle;
      booking: ConsultationBooking;
      refunds: ConsultationRefunds;
      em: () => EntityManager;
    },
  ) {}

  /** Cancels on behalf of a party under the refund policy: the client, the advisor, an admin or Cal.com. */
  async cancel(actor: Actor, id: string, reason: string | null, opts: CancelOptions = {}): Promise<Consultation> {
    assertUuid(id);
    if (actor.kind === 'person' && reason && reason.length > 1000) throw badInput('reason', 'must be at most 1000 characters');
    const acting = await this.cancellingParty(actor, id, opts);
    // One instant for the policy and the row, so the earning decided later reads the same notice.
    const at = opts.at ?? new Date();
    const fromCalcom = actor.kind === 'system' && actor.name === 'calcom';
    const refundSource = fromCalcom ? RefundSource.CALCOM_CANCELLATION : refundSourceFor(acting);
    const { lifecycle, refunds, booking } = this.deps;
    let refund = false;
    let intentToCancel = null as string | null;
    let unrecordedIntent = null as ConsultationPaymentRequest | null;
    await this.deps.em().transactional(async (em) => {
      const c = await lifecycle.lock(em, id);
      consultationMachine.assert(c.status, S.CANCELLED);
      const charge = await em.findOne(ConsultationCharge, { consultation: id });
      const paid = charge?.status === ChargeStatus.SUCCEEDED;
      const decision = decideCancellationRefund({ actor: acting.kind, paid, startTime: c.startTime, now: at });
      if (c.status === S.PENDING_PAYMENT) {
        intentToCancel = charge?.stripePaymentIntentId ?? null;
        // Asked for but never recorded (a crash in the booking): found again by its key below.
        if (!intentToCancel && charge?.paymentIntentKey)
          unrecordedIntent = paymentRequest(c, charge.paymentMethodId, charge.paymentIntentKey);
        if (charge && charge.status === ChargeStatus.PENDING) charge.status = ChargeStatus.CANCELED;
      }
      await lifecycle.cancel(em, c, acting, reason, decision.explanation, at);
      if (decision.refund === 'full') {
        refund = true;
        await refunds.queue(em, c.id, refundSource, acting.userId, reason ?? decision.explanation);
      }
      // A late client cancellation keeps the charge, and the advisor the earning.
      await lifecycle.settleEarning(em, c, charge);
      await this.deps.notifications.consultationCancelled(em, c, decision, charge?.totalAmountCents ?? 0);
      if (c.calBookingId && !fromCalcom && this.deps.config.calcom.apiKey) {
        // Cal.com holds the calendar: tell it too, from the job queue so a Cal.com outage retries.
        const uid = c.calBookingId;
        await enqueue(
          em,
          'calcom_cancel_booking',
          { uid, reason: reason ?? 'Cancelled' },
          { jobKey: `calcom-cancel:${uid}`, maxAttempts: 15 },
        );
      }
    });
    if (unrecordedIntent) {
      const found = await this.deps.payments.createConsultationIntent(unrecordedIntent).catch((err) => {
        this.deps.log.error({ err, consultationId: id }, 'finding the PaymentIntent of a cancelled hold failed');
        return null;
      });
      intentToCancel = found?.id ?? null;
    }
    if (intentToCancel) {
      const pi = await this.deps.payments.cancelPaymentIntent(intentToCancel, `consultation:${id}:cancel-intent`).catch((err) => {
        this.deps.log.error({ err, consultationId: id }, 'cancelling the PaymentIntent failed');
        return null;
      });
      // Paid at the very last moment: the money goes back.
      if (pi?.status === 'succeeded') await booking.paymentSucceeded(pi.id, pi.chargeId, id);
    }
    if (refund) await refunds.refundRemainingSafely(id, refundSource, acting.userId, reason);
    return this.reload(id);
  }

  /** Admin: the client did not come. Only after the start. */
  async markNoShow(admin: PersonActor, id: string): Promise<Consultation> {
    return this.finish(admin, id, S.NO_SHOW, 'Marked as no-show');
  }

  /** Admin: the consultation took place. */
  async complete(admin: PersonActor, id: string): Promise<Consultation> {
    return this.finish(admin, id, S.COMPLETED, 'Marked as completed');
  }

  /**
   * IN_PROGRESS, COMPLETED or NO_SHOW, by an admin or Cal.com's meeting events: at the end of a
   * consultation the advisor's earning becomes payable.
   */
  async finish(actor: Actor, id: string, to: S.COMPLETED | S.NO_SHOW | S.IN_PROGRESS, reason: string): Promise<Consultation> {
    assertUuid(id);
    const acting = actingSystem(actor);
    return this.deps.em().transactional(async (em) => {
      const c = await this.deps.lifecycle.lock(em, id);
      consultationMachine.assert(c.status, to);
      if (to === S.NO_SHOW && c.startTime.getTime() > Date.now()) {
        throw conflict('A consultation can be marked as no-show only after its start');
      }
      const from = c.status;
      await this.deps.lifecycle.transition(em, c, to, acting, reason);
      if (to !== S.IN_PROGRESS) {
        const charge = await em.findOne(ConsultationCharge, { consultation: id });
        await this.deps.lifecycle.settleEarning(em, c, charge);
        auditLog.record(em, actor, {
          action: to === S.COMPLETED ? 'consultation.complete' : 'consultation.no_show',
          subjectType: 'consultation',
          subjectId: c.id,
          reason,
          before: { status: from },
          after: { status: to, advisorEarningsCents: c.advisorEarningsCents },
          advisorId: c.advisor.id,
        });
      }
      return c;
    });
  }

  /** Admin: a discretionary full refund at any time; a consultation still ahead is also cancelled. */
  async adminRefund(admin: PersonActor, id: string, reason: string | null): Promise<Consultation> {
    assertUuid(id);
    const acting: Acting = { kind: ActorKind.ADMIN, userId: admin.id };
    const { lifecycle, refunds } = this.deps;
    await this.deps.em().transactional(async (em) => {
      const c = await lifecycle.lock(em, id);
      const before = c.status;
      const charge = await em.findOne(ConsultationCharge, { consultation: id });
      if (
        !charge ||
        charge.status === ChargeStatus.PENDING ||
        charge.status === ChargeStatus.FAILED ||
        charge.status === ChargeStatus.CANCELED
      ) {
        throw conflict('This consultation has no payment to refund');
      }
      if (charge.refundedCents >= charge.totalAmountCents) throw conflict('This consultation is already refunded in full');
      if (c.status === S.SCHEDULED) {
        await lifecycle.cancel(em, c, acting, reason, 'Refunded by an admin');
        const refundable = charge.totalAmountCents - charge.refundedCents;
        await this.deps.notifications.consultationCancelled(em, c, { refund: 'full', explanation: 'Refunded by an admin' }, refundable);
      }
      await refunds.queue(em, id, RefundSource.ADMIN, admin.id, reason);
      auditLog.record(em, admin, {
        action: 'consultation.refund',
        subjectType: 'consultation',
        subjectId: c.id,
        reason,
        before: { status: before, refundedCents: charge.refundedCents },
        after: { status: c.status, refundRequestedCents: charge.totalAmountCents - charge.refundedCents },
        advisorId: c.advisor.id,
      });
    });
    await refunds.refundRemainingSafely(id, RefundSource.ADMIN, admin.id, reason);
    return this.reload(id);
  }

  /**
   * Whom a cancellation is recorded as. A person must be the client, the consultation's advisor or
   * an admin (anyone else sees NOT_FOUND, as for a consultation that does not exist); Cal.com acts
   * for the party it names.
   */
  private async cancellingParty(actor: Actor, id: string, opts: CancelOptions): Promise<Acting> {
    const em = this.deps.em();
    const c = await em.findOne(Consultation, { id }, { populate: ['advisor.user'] });
    if (!c) throw notFound('Consultation');
    if (actor.kind === 'system') {
      if (opts.onBehalfOf === 'advisor') return { kind: ActorKind.ADVISOR, userId: c.advisor.user.id };
      if (opts.onBehalfOf === 'client') return { kind: ActorKind.CLIENT, userId: c.client.id };
      return actingSystem(actor);
    }
    if (c.client.id === actor.id) return { kind: ActorKind.CLIENT, userId: actor.id };
    const mine = await em.findOne(Advisor, { user: actor.id }, { fields: ['id'] });
    if (mine && c.advisor.id === mine.id) return { kind: ActorKind.ADVISOR, userId: actor.id };
    if (actor.isAdmin) return { kind: ActorKind.ADMIN, userId: actor.id };
    throw notFound('Consultation');
  }

  private async reload(id: string): Promise<Consultation> {
    return this.deps.em().findOneOrFail(Consultation, { id }, { populate: ['advisor', 'client'] });
  }
}
