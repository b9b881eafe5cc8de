import { randomUUID } from 'node:crypto';
import { Entity, Enum, PrimaryKey, Property } from '@mikro-orm/core';

export enum EmailStatus {
  PENDING = 'pending',
  SENT = 'sent',
  FAILED = 'failed',
}

/**
 * The email outbox: a message is written in the same transaction as the change it announces and
 * sent afterwards by the job queue, so a rolled-back change never emails and a committed one always
 * does. `dedupeKey` makes "the same email for the same event" impossible to queue twice.
 */
@Entity({ tableName: 'email_outbox' })
export class OutboxEmail {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'text', unique: 'email_outbox_dedupe_key_unique' })
  dedupeKey: string;

  @Property({ type: 'text' })
  toAddress: string;

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
