import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Advisor } from '../advisor/advisor.entity';
import type { AdvisorAction } from '../advisor/advisor.state';
import { EmailStatus, OutboxEmail } from './email.entity';

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
  ) {}

  async enqueue(em: EntityManager, message: EmailMessage): Promise<void> {
    const rows = await em.execute<{ id: string }[]>(
      `insert into email_outbox (id, dedupe_key, to_address, template, subject, data)
       values (gen_random_uuid(), ?, ?, ?, ?, ?::jsonb)
       on conflict (dedupe_key) do nothing returning id`,
      [message.dedupeKey, message.to, message.template, message.subject, JSON.stringify(message.data)],
    );
    if (rows[0]) {
      await em.execute(`select graphile_worker.add_job('deliver_email', json_build_object('id', ?::text), max_attempts := 10)`, [
        rows[0].id,
      ]);
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
