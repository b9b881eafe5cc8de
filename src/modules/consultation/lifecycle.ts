import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { actorUserId, type Actor } from '../../common/actor';
import { notFound } from '../../common/errors';
import type { LedgerService } from '../ledger/ledger.service';
import type { NotificationService } from '../notifications/notification.service';
import { User } from '../user/user.entity';
import { ConsultationCharge } from './charge.entity';
import { ActorKind, Consultation, ConsultationStatus as S, ConsultationStatusChange } from './consultation.entity';
import { publishStatusChanged, statusChangedSql, type TransactionalPublisher } from './consultation.events';
import { consultationMachine } from './consultation.state';
import { consultationRepository } from './consultation.repository';
import { decideEarning } from './earning-policy';
import type { SqlFragment } from '../../db/sql';

/**
 * Who a change is recorded as on a consultation: the party (client, advisor, admin) or the system
 * (Stripe, Cal.com, our scheduler), and the person, if any. Decided from an Actor by the service
 * that checked the actor's relation to the consultation.
 */
export interface Acting {
  kind: ActorKind;
  userId: string | null;
}

/** How a system actor is recorded; a person's kind depends on the consultation (see actions.ts). */
export function actingSystem(actor: Actor): Acting {
  if (actor.kind === 'person') return { kind: ActorKind.ADMIN, userId: actor.id };
  if (actor.name === 'stripe') return { kind: ActorKind.STRIPE, userId: null };
  if (actor.name === 'calcom') return { kind: ActorKind.CALCOM, userId: null };
  return { kind: ActorKind.SYSTEM, userId: actorUserId(actor) };
}

/** The job that ends an unpaid hold at its expiry (queued by the booking, removed once it is paid). */
export const expiryJobKey = (consultationId: string) => `expire:${consultationId}`;

export const STRIPE_ACTING: Acting = { kind: ActorKind.STRIPE, userId: null };
export const SYSTEM_ACTING: Acting = { kind: ActorKind.SYSTEM, userId: null };

/**
 * The only code that changes a consultation's status: lock the row, transition with history and
 * a committed-change event, cancel, finish, and settle the advisor's earning. Callers own the
 * transaction; everything here runs inside it.
 */
export class ConsultationLifecycle {
  constructor(
    private readonly deps: {
      ledger: LedgerService;
      notifications: NotificationService;
      publisher: TransactionalPublisher;
    },
  ) {}

  /** Locks the consultation row for the rest of the transaction; the advisor and client come along. */
  async lock(em: EntityManager, id: string): Promise<Consultation> {
    // One statement: the row locked (FOR UPDATE OF its own table only), its advisor and client joined.
    const c = await em
      .createQueryBuilder(Consultation, 'c')
      .select('*')
      .joinAndSelect('c.advisor', 'a')
      .joinAndSelect('a.user', 'au')
      .joinAndSelect('c.client', 'cl')
      .where({ id })
      .setLockMode(LockMode.PESSIMISTIC_WRITE, ['c'])
      .getSingleResult();
    if (!c) throw notFound('Consultation');
    return c;
  }

  /**
   * lock(), with the consultation's charge in the same statement (read from the charge's side, the
   * owner of the link): the payment paths need both. Fails as lock() then a missing charge would.
   */
  async lockWithCharge(em: EntityManager, id: string): Promise<{ c: Consultation; charge: ConsultationCharge }> {
    const charge = await em
      .createQueryBuilder(ConsultationCharge, 'ch')
      .select('*')
      .joinAndSelect('ch.consultation', 'c')
      .joinAndSelect('c.advisor', 'a')
      .joinAndSelect('a.user', 'au')
      .joinAndSelect('c.client', 'cl')
      .where({ consultation: id })
      .setLockMode(LockMode.PESSIMISTIC_WRITE, ['c'])
      .getSingleResult();
    if (charge) return { c: charge.consultation, charge };
    const c = await this.lock(em, id);
    return { c, charge: await em.findOneOrFail(ConsultationCharge, { consultation: id }) };
  }

  /**
   * The status event of a hold, as the pg_notify expression its insert runs
   * (consultationRepository.insertHold): announced at commit, only if the hold went in.
   */
  heldSql(hold: { id: string; clientId: string; advisorUserId: string }): SqlFragment {
    return statusChangedSql(this.deps.publisher, {
      consultationId: hold.id,
      previousStatus: null,
      status: S.PENDING_PAYMENT,
      changedAt: new Date().toISOString(),
      clientId: hold.clientId,
      advisorUserId: hold.advisorUserId,
    });
  }

  /**
   * transition() to SCHEDULED of a hold paid as the booking left it, without a transaction: one
   * statement marks the charge paid and the consultation SCHEDULED, records the history entry and
   * writes what transition() and bookingConfirmed() write (the status event, the confirmation
   * emails and reminders, the expiry job removed). `hold` comes with its advisor, the advisor's
   * user and its client loaded, and lives in `em`. Null, with nothing written, when the hold
   * changed meanwhile: the caller then takes the locked path.
   */
  async confirmPaidHold(
    em: EntityManager,
    hold: Consultation,
    payment: { paymentIntentId: string; chargeId: string | null },
    acting: Acting,
    reason: string,
  ): Promise<{ c: Consultation; charge: ConsultationCharge } | null> {
    consultationMachine.assert(S.PENDING_PAYMENT, S.SCHEDULED);
    const scheduled = { ...this.payload(hold, S.PENDING_PAYMENT), status: S.SCHEDULED };
    const notify = statusChangedSql(this.deps.publisher, scheduled);
    const confirmed = this.deps.notifications.bookingConfirmedSql(hold, [expiryJobKey(hold.id)], 'c');
    const row = await consultationRepository.confirmPaidHold(em, {
      id: hold.id,
      ...payment,
      history: { actorKind: acting.kind, actorId: acting.userId, reason },
      extra: {
        sql: `confirm_announced as (select ${notify.sql} as sent from c), ${confirmed.sql}`,
        params: [...notify.params, ...confirmed.params],
        reads: `(select count(*) from confirm_announced) + ${confirmed.reads}`,
      },
    });
    if (!row) return null;
    // The rows as written become managed entities of `em`, where the advisor and client already are.
    return { c: em.map(Consultation, row.consultation), charge: em.map(ConsultationCharge, row.charge) };
  }

  /** The only place a consultation's status changes: checked, recorded, announced at commit. */
  async transition(em: EntityManager, c: Consultation, to: S, acting: Acting, reason: string | null): Promise<void> {
    const { from } = consultationMachine.apply(c, to, (change) =>
      em.persist(new ConsultationStatusChange(c, change.from, change.to, acting.kind, this.user(em, acting), reason)),
    );
    await publishStatusChanged(this.deps.publisher, em, this.payload(c, from));
    // Paid: the hold's expiry job has nothing left to do, so it goes in the same statement as the reminders.
    if (to === S.SCHEDULED) await this.deps.notifications.bookingConfirmed(em, c, from === S.PENDING_PAYMENT ? [expiryJobKey(c.id)] : []);
    if (to === S.COMPLETED) await this.deps.notifications.ratingPrompt(em, c);
    if (to === S.CANCELLED) await this.deps.notifications.dropReminders(em, c.id);
  }

  /** A note in the history without a status change (a reschedule, a refusal from Cal.com). */
  note(em: EntityManager, c: Consultation, acting: Acting, reason: string): void {
    em.persist(new ConsultationStatusChange(c, c.status, c.status, acting.kind, this.user(em, acting), reason));
  }

  /** The one way to CANCELLED: who, when and why on the row, the transition in the history. */
  async cancel(em: EntityManager, c: Consultation, acting: Acting, reason: string | null, explanation?: string, at?: Date): Promise<void> {
    c.paymentExpiresAt = null;
    c.cancelledAt = at ?? new Date();
    c.cancelledBy = acting.kind;
    c.cancellationReason = reason;
    await this.transition(em, c, S.CANCELLED, acting, reason ?? explanation ?? null);
  }

  /**
   * Writes the advisor's earning when the facts on the row make it payable (earning-policy.ts);
   * once per consultation whatever calls it, and nothing when it is not payable.
   */
  async settleEarning(em: EntityManager, c: Consultation, charge: ConsultationCharge | null): Promise<boolean> {
    const decision = decideEarning({
      status: c.status,
      startTime: c.startTime,
      cancelledBy: c.cancelledBy,
      cancelledAt: c.cancelledAt,
      charge,
    });
    if (!decision.payable || !charge) return false;
    return this.deps.ledger.accrueEarning(em, {
      advisorId: c.advisor.id,
      consultationId: c.id,
      amountCents: charge.advisorEarningsCents,
      accruedAt: c.startTime,
      notes: c.status,
    });
  }

  private user(em: EntityManager, acting: Acting): User | null {
    return acting.userId ? em.getReference(User, acting.userId) : null;
  }

  private payload(c: Consultation, from: S | null) {
    return {
      consultationId: c.id,
      previousStatus: from,
      status: c.status,
      changedAt: new Date().toISOString(),
      clientId: c.client.id,
      advisorUserId: c.advisor.user.id,
    };
  }
}
