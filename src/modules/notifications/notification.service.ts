import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import type { Advisor } from '../advisor/advisor.entity';
import type { AdvisorAction } from '../advisor/advisor.state';
import { RefundSource } from '../consultation/charge.entity';
import { ActorKind, Consultation, ConsultationStatus } from '../consultation/consultation.entity';
import { OutboxEmail } from './email.entity';
import { EmailAdmin } from './email.admin';
import { EmailDelivery, parseFrom, queueDelivery, type Sender } from './delivery';
import {
  calendarSequenceCte,
  insertOutboxEmail,
  insertOutboxEmailsAndQueue,
  nextCalendarSequence,
  outboxCtes,
  type OutboxRow,
} from './email.repository';
import { EmailRenderer } from './render';
import { type Calendar, type Reader, type RefundReason, type TemplateData, type TemplateId } from './templates/types';
import type { EmailTransport } from './transports';
import { enqueueAll, enqueueAllSql, removeJob, type JobSpec } from '../../jobs/queue';
import { currentReqId } from '../../logging';
import type { SqlFragment } from '../../db/sql';

export { formatCents } from './format';
export { LogTransport, type EmailTransport } from './transports';

export interface EmailMessage<T extends TemplateId = TemplateId> {
  /** The same key twice queues one email: e.g. `booking-confirmed:<consultation id>`. */
  dedupeKey: string;
  to: string;
  /** Whose preferences apply (opt-outs). */
  recipientId: string | null;
  template: T;
  data: TemplateData[T] & Reader;
  /** Not before this time (the rating prompt waits a little). */
  deliverAt?: Date;
}

export type ReminderRole = 'client' | 'advisor';

const REMINDER_LEAD_MS = 24 * 3_600_000;
/** Cancellations that the cancellation notice already tells the client about, refund included. */
const CANCELLATION_REFUNDS: readonly RefundSource[] = [
  RefundSource.CLIENT_CANCELLATION,
  RefundSource.ADVISOR_CANCELLATION,
  RefundSource.CALCOM_CANCELLATION,
];
function advisorReader(a: Advisor): Reader {
  return { locale: a.locale, timeZone: a.timezone, firstName: a.user.givenName };
}

function clientReader(c: Consultation): Reader {
  return { locale: c.locale, timeZone: c.clientTimezone, firstName: c.client.givenName };
}

/**
 * Emails are written to the outbox inside the caller's transaction and a delivery job is queued
 * in the same transaction, so an email goes out if and only if its change committed. Delivery
 * renders the text for its reader, sends it, and records the outcome; see `deliver`.
 */
export class NotificationService {
  readonly renderer: EmailRenderer;
  private readonly from: Sender;
  private readonly delivery: EmailDelivery;
  /** Admins' view of the outbox, and each user's opt-outs. */
  readonly admin: EmailAdmin;

  constructor(private readonly deps: { transport: EmailTransport; config: Config; log: Logger; em: () => EntityManager }) {
    this.renderer = new EmailRenderer(deps.config.publicAppUrl);
    this.from = parseFrom(deps.config.email.from);
    this.delivery = new EmailDelivery({ ...deps, renderer: this.renderer, from: this.from });
    this.admin = new EmailAdmin(deps);
  }

  get transport(): EmailTransport {
    return this.deps.transport;
  }

  async enqueue<T extends TemplateId>(em: EntityManager, message: EmailMessage<T>): Promise<boolean> {
    const subject = this.renderer.subject(message.template, message.data as unknown as Record<string, unknown>);
    const id = await insertOutboxEmail(em, { ...message, subject });
    if (!id) return false;
    await queueDelivery(em, id, message.deliverAt ?? null, this.deps.config.email.maxAttempts);
    return true;
  }

  /** Several emails (each once per dedupe key) and their delivery jobs in one statement. */
  async enqueueBatch(em: EntityManager, messages: EmailMessage<TemplateId>[]): Promise<void> {
    await insertOutboxEmailsAndQueue(em, this.prepare(messages), this.deps.config.email.maxAttempts, currentReqId());
  }

  /** Messages as the outbox stores them, each with its subject. */
  private prepare(messages: EmailMessage<TemplateId>[]): OutboxRow[] {
    return messages.map((m) => ({
      ...m,
      subject: this.renderer.subject(m.template, m.data as unknown as Record<string, unknown>),
      deliverAt: m.deliverAt ?? null,
    }));
  }

  // ---------------------------------------------------------------- what each change sends

  async advisorDecision(em: EntityManager, advisor: Advisor, action: AdvisorAction, note: string | null): Promise<void> {
    if (action !== 'approve' && action !== 'reject' && action !== 'suspend' && action !== 'reactivate') return;
    await this.enqueue(em, {
      dedupeKey: `advisor-${action}:${advisor.id}:${advisor.decidedAt?.toISOString()}`,
      to: advisor.user.email,
      recipientId: advisor.user.id,
      template: `advisor-${action}`,
      data: { ...advisorReader(advisor), displayName: advisor.displayName, note },
    });
  }

  /**
   * Client and advisor are told; the client's copy carries the calendar invitation; reminders are
   * set, and the waiting jobs under `removeKeys` removed in the same statement.
   */
  async bookingConfirmed(em: EntityManager, c: Consultation, removeKeys: readonly string[] = []): Promise<void> {
    await this.enqueueBatch(em, this.confirmationEmails(c, await this.nextCalendar(em, c.id, 'REQUEST')));
    await this.scheduleReminders(em, c, removeKeys);
  }

  /**
   * bookingConfirmed as CTEs of the statement that confirms the booking, each written only if the
   * CTE `gate` has a row: the calendar SEQUENCE, the two emails with their delivery jobs, the
   * reminders (and the jobs under `removeKeys` removed). `reads`: an expression the statement must
   * evaluate, since PostgreSQL runs a SELECT CTE (the jobs) only when it is read.
   */
  bookingConfirmedSql(c: Consultation, removeKeys: readonly string[], gate: string): SqlFragment & { reads: string } {
    const sequence = calendarSequenceCte('confirm_sequence', c.id, gate);
    const emails = outboxCtes(
      this.prepare(this.confirmationEmails(c, this.calendar(c.id, 'REQUEST', 0))),
      this.deps.config.email.maxAttempts,
      currentReqId(),
      { gate, sequence: '(select sequence from confirm_sequence)' },
    );
    const reminders = this.reminderJobs(c, removeKeys);
    const jobs = enqueueAllSql(reminders.jobs, reminders.remove);
    return {
      sql: `${sequence.sql}, ${emails.sql}, confirm_reminders as (select ${jobs.sql} from ${gate})`,
      params: [...sequence.params, ...emails.params, ...jobs.params],
      reads: '(select count(*) from outbox_queued) + (select count(*) from confirm_reminders)',
    };
  }

  /** The client's confirmation (with the calendar invitation) and the advisor's notice. */
  private confirmationEmails(c: Consultation, calendar: Calendar): EmailMessage<TemplateId>[] {
    const facts = { consultationId: c.id, startTime: c.startTime.toISOString(), durationMinutes: c.durationMinutes };
    return [
      {
        dedupeKey: `booking-confirmed:${c.id}`,
        to: c.client.email,
        recipientId: c.client.id,
        template: 'consultation-booking-confirmed',
        data: {
          ...clientReader(c),
          ...facts,
          advisorName: c.advisor.displayName,
          videoUrl: c.videoUrl,
          // What the client agreed to pay: the price list at booking time, not today's.
          priceCents: c.pricingSnapshot?.rateCents ?? c.priceCents,
          currency: c.pricingSnapshot?.currency ?? c.currency,
          calendar,
        },
      } satisfies EmailMessage<'consultation-booking-confirmed'>,
      {
        dedupeKey: `advisor-booked:${c.id}`,
        to: c.advisor.user.email,
        recipientId: c.advisor.user.id,
        template: 'advisor-new-booking',
        // The advisor learns the client's first name and nothing else about them.
        data: { ...advisorReader(c.advisor), ...facts, clientFirstName: c.client.givenName, videoUrl: c.videoUrl },
      } satisfies EmailMessage<'advisor-new-booking'>,
    ] as EmailMessage<TemplateId>[];
  }

  /**
   * Both sides are told, once, and only about a consultation they were told was booked (an unpaid
   * booking that lapses was never confirmed to anyone). The client's copy cancels the invitation.
   */
  async consultationCancelled(
    em: EntityManager,
    c: Consultation,
    decision: { refund: 'full' | 'none'; explanation: string },
    chargedCents: number,
  ): Promise<void> {
    if ((await em.count(OutboxEmail, { dedupeKey: `booking-confirmed:${c.id}` })) === 0) return;
    const by = c.cancelledBy === ActorKind.CLIENT ? 'client' : c.cancelledBy === ActorKind.ADVISOR ? 'advisor' : 'platform';
    let reason: RefundReason;
    if (decision.refund === 'none') reason = chargedCents > 0 ? 'client-late' : 'not-charged';
    else reason = by === 'client' ? 'client-early' : by;
    const facts = { consultationId: c.id, startTime: c.startTime.toISOString(), durationMinutes: c.durationMinutes };
    await this.enqueue(em, {
      dedupeKey: `cancelled:${c.id}:client`,
      to: c.client.email,
      recipientId: c.client.id,
      template: 'consultation-cancelled',
      data: {
        ...clientReader(c),
        ...facts,
        advisorName: c.advisor.displayName,
        refundCents: decision.refund === 'full' && chargedCents > 0 ? chargedCents : null,
        currency: c.currency,
        refundReason: reason,
        calendar: await this.nextCalendar(em, c.id, 'CANCEL'),
      },
    });
    await this.enqueue(em, {
      dedupeKey: `cancelled:${c.id}:advisor`,
      to: c.advisor.user.email,
      recipientId: c.advisor.user.id,
      template: 'advisor-consultation-cancelled',
      data: {
        ...advisorReader(c.advisor),
        ...facts,
        clientFirstName: c.client.givenName,
        cancelledBy: by,
        keepsEarning: reason === 'client-late',
      },
    });
  }

  /** A scheduled consultation moved: both sides are told, the invitation is updated, reminders move along. */
  async consultationRescheduled(em: EntityManager, c: Consultation, previousStart: Date): Promise<void> {
    if (c.status !== ConsultationStatus.SCHEDULED || previousStart.getTime() === c.startTime.getTime()) return;
    const facts = { consultationId: c.id, startTime: c.startTime.toISOString(), durationMinutes: c.durationMinutes };
    const key = `rescheduled:${c.id}:${c.startTime.toISOString()}:${c.calBookingId ?? ''}`;
    await this.enqueue(em, {
      dedupeKey: `${key}:client`,
      to: c.client.email,
      recipientId: c.client.id,
      template: 'consultation-rescheduled',
      data: {
        ...clientReader(c),
        ...facts,
        advisorName: c.advisor.displayName,
        previousStartTime: previousStart.toISOString(),
        videoUrl: c.videoUrl,
        calendar: await this.nextCalendar(em, c.id, 'REQUEST'),
      },
    });
    await this.enqueue(em, {
      dedupeKey: `${key}:advisor`,
      to: c.advisor.user.email,
      recipientId: c.advisor.user.id,
      template: 'advisor-consultation-rescheduled',
      data: {
        ...advisorReader(c.advisor),
        ...facts,
        clientFirstName: c.client.givenName,
        previousStartTime: previousStart.toISOString(),
        videoUrl: c.videoUrl,
      },
    });
    await this.scheduleReminders(em, c);
  }

  /** A refund made later (an admin, the Stripe dashboard); a cancellation's refund is in its notice. */
  async refundIssued(
    em: EntityManager,
    c: Consultation,
    stripeRefundId: string,
    amountCents: number,
    source?: RefundSource,
  ): Promise<void> {
    if (source && CANCELLATION_REFUNDS.includes(source)) return;
    // An admin refund that cancelled the consultation: its cancellation notice told the amount.
    const notice = await em.findOne(OutboxEmail, { dedupeKey: `cancelled:${c.id}:client` });
    if (notice && notice.data.refundCents !== null && notice.data.refundCents !== undefined) return;
    await this.enqueue(em, {
      dedupeKey: `refund:${stripeRefundId}`,
      to: c.client.email,
      recipientId: c.client.id,
      template: 'consultation-refunded',
      data: {
        ...clientReader(c),
        consultationId: c.id,
        advisorName: c.advisor.displayName,
        refundCents: amountCents,
        currency: c.currency,
      },
    });
  }

  /** Sent a little after completion, and then only if the client has not reviewed meanwhile (see `skipReason`). */
  async ratingPrompt(em: EntityManager, c: Consultation): Promise<void> {
    await this.enqueue(em, {
      dedupeKey: `rating-prompt:${c.id}`,
      to: c.client.email,
      recipientId: c.client.id,
      template: 'consultation-rating',
      data: {
        ...clientReader(c),
        consultationId: c.id,
        startTime: c.startTime.toISOString(),
        durationMinutes: c.durationMinutes,
        advisorName: c.advisor.displayName,
      },
      deliverAt: new Date(Date.now() + this.deps.config.email.ratingPromptDelayMinutes * 60_000),
    });
  }

  async payoutProcessed(
    em: EntityManager,
    p: {
      id: string;
      advisor: Advisor;
      monthKey: string;
      monthLabel: string;
      amountCents: number;
      currency: string;
      consultationsCount: number;
    },
  ): Promise<void> {
    await this.enqueue(em, {
      dedupeKey: `payout-processed:${p.id}`,
      to: p.advisor.user.email,
      recipientId: p.advisor.user.id,
      template: 'advisor-payout-processed',
      data: {
        ...advisorReader(p.advisor),
        month: p.monthLabel,
        monthKey: p.monthKey,
        amountDisplay: new Intl.NumberFormat('en-US', { style: 'currency', currency: p.currency }).format(p.amountCents / 100),
        amountCents: p.amountCents,
        currency: p.currency,
        consultationsCount: p.consultationsCount,
        portalUrl: `${this.deps.config.publicAppUrl}/advisor/earnings?month=${p.monthKey}`,
      },
    });
  }

  // ---------------------------------------------------------------- reminders

  /**
   * One reminder job per consultation and side (job_key), 24 h before the start: adding it again
   * moves it. A start less than 24 h away gets none (the confirmation has just gone out).
   */
  async scheduleReminders(em: EntityManager, c: Consultation, alsoRemove: readonly string[] = []): Promise<void> {
    const { jobs, remove } = this.reminderJobs(c, alsoRemove);
    await enqueueAll(em, jobs, remove);
  }

  /** The reminder jobs of a scheduled consultation, and the keys to remove (reminders already due, `alsoRemove`). */
  private reminderJobs(c: Consultation, alsoRemove: readonly string[]): { jobs: JobSpec[]; remove: string[] } {
    const runAt = new Date(c.startTime.getTime() - REMINDER_LEAD_MS);
    const jobs: JobSpec[] = [];
    const remove = [...alsoRemove];
    for (const role of ['client', 'advisor'] as const) {
      const key = `reminder:${c.id}:${role}`;
      if (runAt.getTime() <= Date.now()) remove.push(key);
      else jobs.push({ name: 'send_reminder', payload: { consultationId: c.id, role }, opts: { runAt, jobKey: key, maxAttempts: 5 } });
    }
    return { jobs, remove };
  }

  async dropReminders(em: EntityManager, consultationId: string): Promise<void> {
    for (const role of ['client', 'advisor']) {
      await removeJob(em, `reminder:${consultationId}:${role}`);
    }
  }

  /** The reminder job: queues the email if the consultation is still on, at the time the job was set for. */
  async remind(consultationId: string, role: ReminderRole): Promise<'queued' | 'skipped'> {
    return this.deps.em().transactional(async (tx) => {
      const c = await tx.findOne(Consultation, { id: consultationId }, { populate: ['advisor.user', 'client'] });
      const lead = c ? c.startTime.getTime() - Date.now() : 0;
      // Not live any more (cancelled, started, done), or moved without this job following.
      if (!c || c.status !== ConsultationStatus.SCHEDULED || lead <= 0 || lead > REMINDER_LEAD_MS + 10 * 60_000) return 'skipped';
      const facts = { consultationId: c.id, startTime: c.startTime.toISOString(), durationMinutes: c.durationMinutes };
      const dedupeKey = `reminder:${c.id}:${role}:${facts.startTime}`;
      if (role === 'client') {
        await this.enqueue(tx, {
          dedupeKey,
          to: c.client.email,
          recipientId: c.client.id,
          template: 'consultation-reminder',
          data: { ...clientReader(c), ...facts, advisorName: c.advisor.displayName, videoUrl: c.videoUrl },
        });
      } else {
        await this.enqueue(tx, {
          dedupeKey,
          to: c.advisor.user.email,
          recipientId: c.advisor.user.id,
          template: 'advisor-consultation-reminder',
          data: { ...advisorReader(c.advisor), ...facts, clientFirstName: c.client.givenName, videoUrl: c.videoUrl },
        });
      }
      return 'queued';
    });
  }

  /** The delivery job (delivery.ts). */
  deliver(id: string, job?: { attempt: number; maxAttempts: number }): Promise<void> {
    return this.delivery.deliver(id, job);
  }

  /** The next invitation of a consultation: same UID, a higher SEQUENCE than any sent before. */
  private async nextCalendar(em: EntityManager, consultationId: string, method: Calendar['method']): Promise<Calendar> {
    return this.calendar(consultationId, method, await nextCalendarSequence(em, consultationId));
  }

  private calendar(consultationId: string, method: Calendar['method'], sequence: number): Calendar {
    return { uid: `consultation-${consultationId}@${this.from.domain}`, sequence, method };
  }
}
