import { randomUUID } from 'node:crypto';
import { Entity, Enum, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

export enum WebhookProvider {
  STRIPE = 'stripe',
  CALCOM = 'calcom',
}

export enum WebhookEventStatus {
  RECEIVED = 'received',
  PROCESSED = 'processed',
  IGNORED = 'ignored',
  FAILED = 'failed',
}

/** Every verified webhook delivery, unique per provider and event id: the deduplication record. */
@Entity({ tableName: 'processed_webhook_events' })
@Unique({ name: 'processed_webhook_events_provider_event_unique', properties: ['provider', 'eventId'] })
@Index({ name: 'processed_webhook_events_status_idx', properties: ['status', 'receivedAt'] })
export class WebhookEvent {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Enum({ items: () => WebhookProvider })
  provider: WebhookProvider;

  /** Stripe's event id, or for Cal.com (which sends none) a key derived from the payload. */
  @Property({ type: 'text' })
  eventId: string;

  @Property({ type: 'text' })
  eventType: string;

  @Enum({ items: () => WebhookEventStatus, default: WebhookEventStatus.RECEIVED })
  status: WebhookEventStatus = WebhookEventStatus.RECEIVED;

  @Property({ type: 'json' })
  payload: unknown;

  @Property({ type: 'int', default: 0 })
  attempts = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  /** Why an IGNORED event changed nothing (e.g. a Cal.com booking not linked to the consultation it names). */
  @Property({ type: 'text', nullable: true })
  ignoredReason: string | null = null;

  @Property({ type: 'timestamptz', defaultRaw: 'now()' })
  receivedAt: Date = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  processedAt: Date | null = null;

  constructor(provider: WebhookProvider, eventId: string, eventType: string, payload: unknown) {
    this.provider = provider;
    this.eventId = eventId;
    this.eventType = eventType;
    this.payload = payload;
  }
}
