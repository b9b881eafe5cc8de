import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Advisor } from '../advisor/advisor.entity';
import type { Consultation } from '../consultation/consultation.entity';
import type { AdvisorAction } from '../advisor/advisor.state';
import { EmailStatus, OutboxEmail } from './email.entity';
import { currentReqId } from '../../logging';

export interface EmailMessage {
  /** The same key twice queues one email: e.g. `booking-confirmed:<consultation id>`. */
  dedupeKey: string;
  to: string;
  template: string;
  subject: string;
  data: Record<string, unknown>;
}

/** Where emails finally go. The default writes them to the log; a real provider plugs in here. */
export interface EmailTransport {
  send(message: { from: string; to: string; subject: string; template: string; data: Record<string, unknown> }): Promise<void>;
}

export class LogTransport implements EmailTransport {
  readonly sent: { to: string; subject: string; template: string; data: Record<string, unknown> }[] = [];
  constructor(private readonly log: Logger) {}
  async send(message: { to: string; subject: string; template: string; data: Record<string, unknown> }): Promise<void> {
    this.sent.push(message);
    this.log.info({ email: { to: message.to, template: message.template, subject: message.subject } }, 'email sent (log transport)');
  }
}

/**
 * Emails are written to the outbox inside the caller's transaction and a delivery job is queued
 * in the same transaction, so an email goes out if and only if its change committed.
 */
export class NotificationService {
  constructor(
    private readonly transport: EmailTransport,
    private readonly from: string,
    private readonly appUrl: string,
  ) {}

  async enqueue(em: EntityManager, message: EmailMessage): Promise<void> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into email_outbox (id, dedupe_key, to_address, template, subject, data)
       values (gen_random_uuid(), ?, ?, ?, ?, ?::jsonb)
       on conflict (dedupe_key) do nothing returning id`,
      [message.dedupeKey, message.to, message.template, message.subject, JSON.stringify(message.data)],
    );
    if (rows[0]) {
      await em.execute(
        `select graphile_worker.add_job('deliver_email', json_build_object('id', ?::text, 'reqId', ?::text), max_attempts := 10)`,
        [rows[0].id, currentReqId()],
      );
    }
  }

  advisorDecision(em: EntityManager, advisor: Advisor, action: AdvisorAction, note: string | null): Promise<void> {
    const subjects: Partial<Record<AdvisorAction, string>> = {
      approve: 'Your advisor application is approved',
      reject: 'About your advisor application',
      suspend: 'Your advisor profile is suspended',
      reactivate: 'Your advisor profile is active again',
    };
    const subject = subjects[action];
    if (!subject) return Promise.resolve();
    return this.enqueue(em, {
      dedupeKey: `advisor-${action}:${advisor.id}:${advisor.decidedAt?.toISOString()}`,
      to: advisor.user.email,
      template: `advisor-${action}`,
      subject,
      data: { displayName: advisor.displayName, note },
    });
  }

  bookingConfirmed(em: EntityManager, c: Consultation): Promise<void> {
    const when = formatWhen(c.startTime, c.clientTimezone, c.locale);
    const common = { durationMinutes: c.durationMinutes, scheduledAtLocal: when, videoUrl: c.videoUrl };
    return Promise.all([
      this.enqueue(em, {
        dedupeKey: `booking-confirmed:${c.id}`,
        to: c.client.email,
        template: 'consultation-booking-confirmed',
        subject: 'Consultation confirmed',
        data: {
          ...common,
          advisorName: c.advisor.displayName,
          pricingDisplay: formatCents(c.priceCents, c.currency),
          cancellationPolicy: 'Free cancellation more than 24 hours before the start.',
        },
      }),
      this.enqueue(em, {
        dedupeKey: `advisor-booked:${c.id}`,
        to: c.advisor.user.email,
        template: 'advisor-new-booking',
        subject: 'New consultation booked',
        // The advisor learns the client's first name and nothing else about them.
        data: { ...common, scheduledAtLocal: formatWhen(c.startTime, null, null), clientFirstName: c.client.givenName ?? 'A client' },
      }),
    ]).then(() => undefined);
  }

  consultationCancelled(
    em: EntityManager,
    c: Consultation,
    decision: { refund: 'full' | 'none'; explanation: string },
    chargedCents: number,
  ): Promise<void> {
    return Promise.all([
      this.enqueue(em, {
        dedupeKey: `cancelled:${c.id}:client`,
        to: c.client.email,
        template: 'consultation-cancelled',
        subject: 'Consultation cancelled',
        data: {
          advisorName: c.advisor.displayName,
          scheduledAtLocal: formatWhen(c.startTime, c.clientTimezone, c.locale),
          refundAmount: decision.refund === 'full' && chargedCents > 0 ? formatCents(chargedCents, c.currency) : null,
          policyExplanation: decision.explanation,
        },
      }),
      this.enqueue(em, {
        dedupeKey: `cancelled:${c.id}:advisor`,
        to: c.advisor.user.email,
        template: 'advisor-consultation-cancelled',
        subject: 'Consultation cancelled',
        data: { clientFirstName: c.client.givenName ?? 'A client', scheduledAtLocal: formatWhen(c.startTime, null, null) },
      }),
    ]).then(() => undefined);
  }

  refundIssued(em: EntityManager, c: Consultation, stripeRefundId: string, amountCents: number): Promise<void> {
    return this.enqueue(em, {
      dedupeKey: `refund:${stripeRefundId}`,
      to: c.client.email,
      template: 'consultation-refunded',
      subject: 'Your refund is on its way',
      data: { advisorName: c.advisor.displayName, refundAmount: formatCents(amountCents, c.currency) },
    });
  }

  ratingPrompt(em: EntityManager, c: Consultation): Promise<void> {
    return this.enqueue(em, {
      dedupeKey: `rating-prompt:${c.id}`,
      to: c.client.email,
      template: 'consultation-rating',
      subject: 'How was your consultation?',
      data: {
        advisorName: c.advisor.displayName,
        consultationDate: formatWhen(c.startTime, c.clientTimezone, c.locale),
        ratingUrl: `${this.appUrl}/consultations/${c.id}/review`,
      },
    });
  }

  /** The job: sends one outbox email once; a failure is retried by the queue with backoff. */
  async deliver(em: EntityManager, id: string): Promise<void> {
    const email = await em.findOne(OutboxEmail, { id });
    if (!email || email.status === EmailStatus.SENT) return;
    email.attempts += 1;
    try {
      await this.transport.send({
        from: this.from,
        to: email.toAddress,
        subject: email.subject,
        template: email.template,
        data: email.data,
      });
      email.status = EmailStatus.SENT;
      email.sentAt = new Date();
      email.lastError = null;
    } catch (err) {
      email.lastError = (err as Error).message;
      await em.flush();
      throw err;
    }
    await em.flush();
  }
}

export function formatCents(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}

function formatWhen(at: Date, timeZone: string | null, locale: string | null): string {
  const opts: Intl.DateTimeFormatOptions = { dateStyle: 'full', timeStyle: 'short', timeZone: timeZone ?? 'UTC' };
  try {
    return new Intl.DateTimeFormat(locale ?? 'en-US', opts).format(at);
  } catch {
    return new Intl.DateTimeFormat('en-US', opts).format(at);
  }
}
