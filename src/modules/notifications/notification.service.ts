import { LockMode, type FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { DomainError, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { Context } from '../../context';
import { decodeCursor, pageSize, toConnection, type ConnectionShape } from '../../graphql/connection';
import type { Advisor } from '../advisor/advisor.entity';
import type { AdvisorAction } from '../advisor/advisor.state';
import { RefundSource } from '../consultation/charge.entity';
import { ActorKind, Consultation, ConsultationStatus } from '../consultation/consultation.entity';
import { EmailStatus, OutboxEmail } from './email.entity';
import { invitation } from './ics';
import { optOutUrl } from './links';
import { EmailRenderer } from './render';
import {
  OPT_OUT,
  type Calendar,
  type OptOutKind,
  type Reader,
  type RefundReason,
  type TemplateData,
  type TemplateId,
} from './templates/types';
import type { EmailTransport, OutgoingEmail } from './transports';
import { enqueue, removeJob } from '../../jobs/queue';

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
const EMAIL_ADDRESS = /[^\s<>()"',;:]+@[^\s<>()"',;:]+/g;

/** Error text without addresses: it goes to the outbox row and, through the job queue, to the log. */
export function redactAddresses(text: string): string {
  return text.replace(EMAIL_ADDRESS, '<address>');
}

/** An SMTP 5xx answer will not change on a retry; anything else (4xx, network, timeouts) may. */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown })?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

function describe(err: unknown): string {
  const e = err as { message?: string; responseCode?: number; code?: string };
  return redactAddresses([e.code, e.responseCode, e.message ?? String(err)].filter((p) => p !== undefined && p !== '').join(' '));
}

function parseFrom(from: string): { name: string; address: string; domain: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  const address = (m ? m[2] : from).trim();
  const name = (m ? m[1] : '').trim() || address;
  return { name, address, domain: address.split('@')[1] ?? 'localhost' };
}

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
  private readonly from: ReturnType<typeof parseFrom>;

  constructor(private readonly deps: { transport: EmailTransport; config: Config; log: Logger }) {
    this.renderer = new EmailRenderer(deps.config.publicAppUrl);
    this.from = parseFrom(deps.config.email.from);
  }

  get transport(): EmailTransport {
    return this.deps.transport;
  }

  async enqueue<T extends TemplateId>(em: EntityManager, message: EmailMessage<T>): Promise<boolean> {
    const subject = this.renderer.subject(message.template, message.data as unknown as Record<string, unknown>);
    const rows = await em.execute<{ id: string }[]>(
      `insert into email_outbox (id, dedupe_key, to_address, recipient_id, template, subject, data)
       values (gen_random_uuid(), ?, ?, ?, ?, ?, ?::jsonb)
       on conflict (dedupe_key) do nothing returning id`,
      [message.dedupeKey, message.to, message.recipientId, message.template, subject, JSON.stringify(message.data)],
    );
    if (!rows[0]) return false;
    await this.queueDelivery(em, rows[0].id, message.deliverAt ?? null);
    return true;
  }

  private async queueDelivery(em: EntityManager, id: string, at: Date | null): Promise<void> {
    // The job key makes a resend and a leftover job one job, never two sends racing.
    await enqueue(
      em,
      'deliver_email',
      { id },
      { runAt: at ?? undefined, jobKey: `email:${id}`, maxAttempts: this.deps.config.email.maxAttempts },
    );
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

  /** Client and advisor are told; the client's copy carries the calendar invitation; reminders are set. */
  async bookingConfirmed(em: EntityManager, c: Consultation): Promise<void> {
    const facts = { consultationId: c.id, startTime: c.startTime.toISOString(), durationMinutes: c.durationMinutes };
    await this.enqueue(em, {
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
        calendar: await this.nextCalendar(em, c.id, 'REQUEST'),
      },
    });
    await this.enqueue(em, {
      dedupeKey: `advisor-booked:${c.id}`,
      to: c.advisor.user.email,
      recipientId: c.advisor.user.id,
      template: 'advisor-new-booking',
      // The advisor learns the client's first name and nothing else about them.
      data: { ...advisorReader(c.advisor), ...facts, clientFirstName: c.client.givenName, videoUrl: c.videoUrl },
    });
    await this.scheduleReminders(em, c);
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
    const confirmed = await em.execute(`select 1 from email_outbox where dedupe_key = ?`, [`booking-confirmed:${c.id}`]);
    if (confirmed.length === 0) return;
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
    const announced = await em.execute(`select 1 from email_outbox where dedupe_key = ? and data->>'refundCents' is not null`, [
      `cancelled:${c.id}:client`,
    ]);
    if (announced.length) return;
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
  async scheduleReminders(em: EntityManager, c: Consultation): Promise<void> {
    const runAt = new Date(c.startTime.getTime() - REMINDER_LEAD_MS);
    for (const role of ['client', 'advisor'] as const) {
      const key = `reminder:${c.id}:${role}`;
      if (runAt.getTime() <= Date.now()) {
        await removeJob(em, key);
        continue;
      }
      await enqueue(em, 'send_reminder', { consultationId: c.id, role }, { runAt, jobKey: key, maxAttempts: 5 });
    }
  }

  async dropReminders(em: EntityManager, consultationId: string): Promise<void> {
    for (const role of ['client', 'advisor']) {
      await removeJob(em, `reminder:${consultationId}:${role}`);
    }
  }

  /** The reminder job: queues the email if the consultation is still on, at the time the job was set for. */
  async remind(em: EntityManager, consultationId: string, role: ReminderRole): Promise<'queued' | 'skipped'> {
    return em.transactional(async (tx) => {
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

  // ---------------------------------------------------------------- delivery

  /**
   * The job: sends one outbox email at most once per acceptance. The row is locked for the send, so
   * a second job for it waits and then finds it SENT. A failure is recorded and retried by the queue
   * with backoff; a permanent one (SMTP 5xx) or the last attempt ends FAILED, for an admin to resend.
   * What remains: a crash between the SMTP server's acceptance and our commit sends it again on the
   * retry, with the same Message-ID (`<outbox id@domain>`), so the copy is recognisable.
   */
  async deliver(
    em: EntityManager,
    id: string,
    job: { attempt: number; maxAttempts: number } = { attempt: 1, maxAttempts: 1 },
  ): Promise<void> {
    let retry: Error | null = null;
    await em.transactional(async (tx) => {
      const email = await tx.findOne(OutboxEmail, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!email || email.status !== EmailStatus.PENDING) return;
      const skip = await this.skipReason(tx, email);
      if (skip) {
        email.status = EmailStatus.SKIPPED;
        email.lastError = skip;
        return;
      }
      email.attempts += 1;
      let outgoing: OutgoingEmail;
      try {
        outgoing = await this.compose(email);
      } catch (err) {
        // Our own bug, not the recipient's: no retry will fix it; an admin resends after the fix.
        email.status = EmailStatus.FAILED;
        email.lastError = `could not render: ${describe(err)}`;
        this.deps.log.error({ outboxId: id, template: email.template, error: email.lastError }, 'email could not be rendered');
        return;
      }
      try {
        await this.deps.transport.send(outgoing);
      } catch (err) {
        email.lastError = describe(err);
        if (isPermanent(err) || job.attempt >= job.maxAttempts) {
          email.status = EmailStatus.FAILED;
          this.deps.log.warn({ outboxId: id, template: email.template, error: email.lastError }, 'email delivery failed for good');
        } else {
          // Thrown after the commit, so the error is kept and the queue retries with backoff.
          retry = new Error(`email ${id} not delivered (attempt ${job.attempt} of ${job.maxAttempts}): ${email.lastError}`);
        }
        return;
      }
      email.status = EmailStatus.SENT;
      email.sentAt = new Date();
      email.lastError = null;
    });
    if (retry) throw retry;
  }

  /** Why an email due now should not go out after all, or null. */
  private async skipReason(em: EntityManager, email: OutboxEmail): Promise<string | null> {
    const kind = OPT_OUT[email.template as TemplateId];
    if (kind && email.recipientId) {
      const column = kind === 'reminders' ? 'reminders' : 'rating_prompts';
      const [pref] = await em.execute<{ on: boolean }[]>(`select ${column} as on from email_preferences where user_id = ?`, [
        email.recipientId,
      ]);
      if (pref && !pref.on) return `the recipient turned off ${kind}`;
    }
    const consultationId = typeof email.data.consultationId === 'string' ? email.data.consultationId : null;
    if (email.template === 'consultation-rating' && consultationId) {
      const reviewed = await em.execute(`select 1 from advisor_reviews where consultation_id = ?`, [consultationId]);
      if (reviewed.length) return 'already reviewed';
    }
    if (kind === 'reminders' && consultationId) {
      const [row] = await em.execute<{ status: string; start_time: Date }[]>(`select status, start_time from consultations where id = ?`, [
        consultationId,
      ]);
      if (!row || row.status !== ConsultationStatus.SCHEDULED || new Date(row.start_time).toISOString() !== email.data.startTime) {
        return 'the consultation is no longer scheduled at that time';
      }
    }
    return null;
  }

  private async compose(email: OutboxEmail): Promise<OutgoingEmail> {
    const template = email.template as TemplateId;
    const kind = OPT_OUT[template];
    const { config } = this.deps;
    const lang = this.renderer.languageOf(email.data);
    const unsubscribe =
      kind && email.recipientId ? optOutUrl(config.publicApiUrl, config.email.linkSecret, email.recipientId, kind, lang) : null;
    const rendered = await this.renderer.render(template, email.data, unsubscribe);
    const headers: Record<string, string> = { 'Auto-Submitted': 'auto-generated' };
    if (unsubscribe) {
      // RFC 8058 one-click: mail programs POST to the link without showing a page.
      headers['List-Unsubscribe'] = `<${unsubscribe}>`;
      headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
    }
    const cal = email.data.calendar as Calendar | undefined;
    let calendar: OutgoingEmail['calendar'] = null;
    if (cal && typeof email.data.startTime === 'string') {
      const videoUrl = typeof email.data.videoUrl === 'string' ? email.data.videoUrl : null;
      const page = `${config.publicAppUrl}/consultations/${String(email.data.consultationId)}`;
      calendar = {
        method: cal.method,
        content: invitation({
          calendar: cal,
          startTime: email.data.startTime,
          durationMinutes: Number(email.data.durationMinutes),
          title: rendered.calendarTitle,
          description: [videoUrl, page].filter(Boolean).join('\n'),
          url: page,
          organizer: { name: this.from.name, email: this.from.address },
          attendee: { name: typeof email.data.firstName === 'string' ? email.data.firstName : null, email: email.toAddress },
        }),
      };
    }
    return {
      outboxId: email.id,
      messageId: `<${email.id}@${this.from.domain}>`,
      from: config.email.from,
      to: email.toAddress,
      subject: rendered.subject,
      text: rendered.text,
      html: rendered.html,
      template: email.template,
      data: email.data,
      headers,
      calendar,
    };
  }

  /** The next invitation of a consultation: same UID, a higher SEQUENCE than any sent before. */
  private async nextCalendar(em: EntityManager, consultationId: string, method: Calendar['method']): Promise<Calendar> {
    const [row] = await em.execute<{ sequence: number }[]>(
      `insert into email_calendar_sequences (consultation_id, sequence) values (?, 0)
       on conflict (consultation_id) do update set sequence = email_calendar_sequences.sequence + 1
       returning sequence`,
      [consultationId],
    );
    return { uid: `consultation-${consultationId}@${this.from.domain}`, sequence: Number(row!.sequence), method };
  }

  // ---------------------------------------------------------------- admins and preferences

  async list(ctx: Context, status: EmailStatus | undefined, first?: number, after?: string): Promise<ConnectionShape<OutboxEmail>> {
    ctx.requireAdmin();
    const size = pageSize(first);
    const and: FilterQuery<OutboxEmail>[] = [];
    if (status) and.push({ status });
    if (after) {
      const [at, id] = decodeCursor(after, (v) => v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') as [
        string,
        string,
      ];
      const t = new Date(at);
      and.push({ $or: [{ createdAt: { $lt: t } }, { createdAt: t, id: { $lt: id } }] });
    }
    const rows = await ctx.em.find(OutboxEmail, and.length ? { $and: and } : {}, {
      orderBy: { createdAt: 'desc', id: 'desc' },
      limit: size + 1,
    });
    return toConnection(
      rows,
      { size, cursor: after ? [after] : null, backward: false },
      (e) => [e.createdAt.toISOString(), e.id],
      (e) => e,
    );
  }

  /** Admin: a FAILED email goes back on the queue, now, with a fresh set of attempts. */
  async resend(ctx: Context, id: string): Promise<OutboxEmail> {
    ctx.requireAdmin();
    assertUuid(id);
    return ctx.em.transactional(async (em) => {
      const email = await em.findOne(OutboxEmail, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!email) throw notFound('Email');
      if (email.status !== EmailStatus.FAILED) {
        throw new DomainError('CONFLICT', `Only FAILED emails can be resent; this one is ${email.status.toUpperCase()}`);
      }
      email.status = EmailStatus.PENDING;
      email.lastError = null;
      await em.flush();
      await this.queueDelivery(em, email.id, null);
      return email;
    });
  }

  async preferences(em: EntityManager, userId: string): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
    const [row] = await em.execute<{ reminders: boolean; rating_prompts: boolean }[]>(
      `select reminders, rating_prompts from email_preferences where user_id = ?`,
      [userId],
    );
    return { reminders: row?.reminders ?? true, ratingPrompts: row?.rating_prompts ?? true };
  }

  async setPreferences(
    em: EntityManager,
    userId: string,
    patch: { reminders?: boolean | null; ratingPrompts?: boolean | null },
  ): Promise<{ reminders: boolean; ratingPrompts: boolean }> {
    // One statement: two opt-outs at once (two clicks, two kinds) cannot undo each other.
    const [row] = await em.execute<{ reminders: boolean; rating_prompts: boolean }[]>(
      `insert into email_preferences (user_id, reminders, rating_prompts, updated_at)
       values (?, coalesce(?::boolean, true), coalesce(?::boolean, true), now())
       on conflict (user_id) do update set
         reminders = coalesce(?::boolean, email_preferences.reminders),
         rating_prompts = coalesce(?::boolean, email_preferences.rating_prompts),
         updated_at = now()
       returning reminders, rating_prompts`,
      [userId, patch.reminders ?? null, patch.ratingPrompts ?? null, patch.reminders ?? null, patch.ratingPrompts ?? null],
    );
    return { reminders: row!.reminders, ratingPrompts: row!.rating_prompts };
  }

  /** The one-click opt-out: turns one kind off, idempotently. */
  async optOut(em: EntityManager, userId: string, kind: OptOutKind): Promise<void> {
    await this.setPreferences(em, userId, kind === 'reminders' ? { reminders: false } : { ratingPrompts: false });
  }
}
