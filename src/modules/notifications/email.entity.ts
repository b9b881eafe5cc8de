import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';

export enum EmailStatus {
  PENDING = 'pending',
  SENT = 'sent',
  FAILED = 'failed',
  /** Not sent on purpose: the recipient opted out, or it no longer applies (e.g. already reviewed). */
  SKIPPED = 'skipped',
}

/**
 * The email outbox: a message is written in the same transaction as the change it announces and
 * sent afterwards by the job queue, so a rolled-back change never emails and a committed one always
 * does. `dedupeKey` makes "the same email for the same event" impossible to queue twice.
 * `data` holds raw values (times in ISO, amounts in cents); the text is rendered at delivery in the
 * recipient's language and time zone.
 */
@Entity({ tableName: 'email_outbox' })
@Index({ name: 'email_outbox_status_created_idx', properties: ['status', 'createdAt'] })
export class OutboxEmail {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: 'email_outbox_dedupe_key_unique' })
  dedupeKey: string;

  @Property({ type: 'text' })
  toAddress: string;

  /** The user the email is for: whose opt-out preferences apply. */
  @Property({ type: 'uuid', nullable: true })
  recipientId: string | null = null;

  @Property({ type: 'text' })
  template: string;

  @Property({ type: 'text' })
  subject: string;

  @Property({ type: 'json' })
  data: Record<string, unknown>;

  @Enum({ items: () => EmailStatus, default: EmailStatus.PENDING })
  status: EmailStatus = EmailStatus.PENDING;

  @Property({ type: 'int', default: 0 })
  attempts = 0;

  /** The last delivery error, or why the email was skipped. */
  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  sentAt: Date | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  createdAt: Date = new Date();

  constructor(dedupeKey: string, toAddress: string, template: string, subject: string, data: Record<string, unknown>) {
    this.dedupeKey = dedupeKey;
    this.toAddress = toAddress;
    this.template = template;
    this.subject = subject;
    this.data = data;
  }
}

/** What a user turned off with a one-click link (or through the API). No row: everything is on. */
@Entity({ tableName: 'email_preferences' })
export class EmailPreferences {
  @PrimaryKey({ type: 'uuid' })
  userId: string;

  @Property({ type: 'boolean', default: true })
  reminders = true;

  @Property({ type: 'boolean', default: true })
  ratingPrompts = true;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  constructor(userId: string) {
    this.userId = userId;
  }
}

/**
 * The iCalendar SEQUENCE of a consultation's invitation: every update or cancellation sent to the
 * client carries a higher one under the same UID, so calendars replace the event instead of adding one.
 */
@Entity({ tableName: 'email_calendar_sequences' })
export class CalendarSequence {
  @PrimaryKey({ type: 'uuid' })
  consultationId: string;

  @Property({ type: 'int', default: 0 })
  sequence = 0;

  constructor(consultationId: string) {
    this.consultationId = consultationId;
  }
}
