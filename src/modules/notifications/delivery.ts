import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { enqueue } from '../../jobs/queue';
import { Consultation, ConsultationStatus } from '../consultation/consultation.entity';
import { AdvisorReview } from '../review/review.entity';
import { EmailPreferences, EmailStatus, OutboxEmail } from './email.entity';
import { invitation } from './ics';
import { optOutUrl } from './links';
import type { EmailRenderer } from './render';
import { OPT_OUT, type Calendar, type TemplateId } from './templates/types';
import type { EmailTransport, OutgoingEmail } from './transports';

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

export interface Sender {
  name: string;
  address: string;
  domain: string;
}

export function parseFrom(from: string): Sender {
  const m = /^\s*"?([^"<]*?)"?\s*<([^>]+)>\s*$/.exec(from);
  const address = (m ? m[2] : from).trim();
  const name = (m ? m[1] : '').trim() || address;
  return { name, address, domain: address.split('@')[1] ?? 'localhost' };
}

/** Queues the delivery job; the job key makes a resend and a leftover job one job, never two sends racing. */
export async function queueDelivery(em: EntityManager, id: string, at: Date | null, maxAttempts: number): Promise<void> {
  await enqueue(em, 'deliver_email', { id }, { runAt: at ?? undefined, jobKey: `email:${id}`, maxAttempts });
}

/** Sending what the outbox holds: one email per job, rendered for its reader at delivery. */
export class EmailDelivery {
  constructor(
    private readonly deps: {
      transport: EmailTransport;
      config: Config;
      log: Logger;
      em: () => EntityManager;
      renderer: EmailRenderer;
      from: Sender;
    },
  ) {}

  /**
   * The job: sends one outbox email at most once per acceptance. The row is locked for the send, so
   * a second job for it waits and then finds it SENT. A failure is recorded and retried by the queue
   * with backoff; a permanent one (SMTP 5xx) or the last attempt ends FAILED, for an admin to resend.
   * What remains: a crash between the SMTP server's acceptance and our commit sends it again on the
   * retry, with the same Message-ID (`<outbox id@domain>`), so the copy is recognisable.
   */
  async deliver(id: string, job: { attempt: number; maxAttempts: number } = { attempt: 1, maxAttempts: 1 }): Promise<void> {
    let retry: Error | null = null;
    await this.deps.em().transactional(async (tx) => {
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
      const pref = await em.findOne(EmailPreferences, { userId: email.recipientId });
      if (pref && !pref[kind === 'reminders' ? 'reminders' : 'ratingPrompts']) return `the recipient turned off ${kind}`;
    }
    const consultationId = typeof email.data.consultationId === 'string' ? email.data.consultationId : null;
    if (email.template === 'consultation-rating' && consultationId) {
      if (await em.count(AdvisorReview, { consultation: consultationId })) return 'already reviewed';
    }
    if (kind === 'reminders' && consultationId) {
      const c = await em.findOne(Consultation, { id: consultationId }, { fields: ['status', 'startTime'] });
      if (!c || c.status !== ConsultationStatus.SCHEDULED || c.startTime.toISOString() !== email.data.startTime) {
        return 'the consultation is no longer scheduled at that time';
      }
    }
    return null;
  }

  private async compose(email: OutboxEmail): Promise<OutgoingEmail> {
    const template = email.template as TemplateId;
    const kind = OPT_OUT[template];
    const { config } = this.deps;
    const lang = this.deps.renderer.languageOf(email.data);
    const unsubscribe =
      kind && email.recipientId ? optOutUrl(config.publicApiUrl, config.email.linkSecret, email.recipientId, kind, lang) : null;
    const rendered = await this.deps.renderer.render(template, email.data, unsubscribe);
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
          organizer: { name: this.deps.from.name, email: this.deps.from.address },
          attendee: { name: typeof email.data.firstName === 'string' ? email.data.firstName : null, email: email.toAddress },
        }),
      };
    }
    return {
      outboxId: email.id,
      messageId: `<${email.id}@${this.deps.from.domain}>`,
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
}
