import { randomUUID } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Actor } from '../../common/actor';
import { auditLog } from '../audit/audit.service';
import type { Logger } from 'pino';
import { DomainError, notFound } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import { cursorShapes, keysetCondition, keysetOrder, pageRequest, toConnection, type ConnectionShape } from '../../graphql/connection';
import { WebhookEvent, WebhookEventStatus, WebhookProvider } from './webhook-event.entity';
import { enqueueSql } from '../../jobs/queue';
import type { SqlFragment } from '../../db/sql';

/** A handler's verdict; an event ignored for a reason an admin should be able to read says why. */
export type Outcome = 'processed' | 'ignored' | { ignored: string };
export const ignored = (reason: string): Outcome => ({ ignored: reason });
export type Handler = (event: WebhookEvent) => Promise<Outcome>;

/**
 * Decides, from the event alone, the SQL condition under which it is already applied (see
 * {@link WebhookService.receive}); null when it cannot.
 */
export type SettledCheck = (payload: unknown) => SqlFragment | null;

/** How many times the job queue tries an event before it is left FAILED for an admin. */
export const MAX_ATTEMPTS = 8;

/**
 * Cal.com events about one booking must not overtake each other (a cancellation processed while
 * its booking's creation is being linked would be lost between "not linked yet" and the replay),
 * so they go through one serial queue; Cal.com sends few. Stripe events are re-read from Stripe
 * and applied under the consultation's lock, so they run in parallel.
 */
const QUEUES: Partial<Record<WebhookProvider, string>> = { [WebhookProvider.CALCOM]: 'webhooks:calcom' };

/**
 * Receives verified webhook events of any provider: records each once (unique provider + event
 * id) together with the job that will process it, in one statement, and returns: the sender
 * gets its 2xx at once (Stripe asks for a quick answer) and the job queue, woken by the insert,
 * does the work. A delivery seen before changes nothing. A handler failing for a reason that will
 * not pass (a DomainError, e.g. an overlapping reschedule) leaves the event FAILED at once; any
 * other failure is retried by the job queue with backoff and ends FAILED after MAX_ATTEMPTS.
 * Admins list and retry FAILED ones. Handlers are idempotent (state machine, unique keys), so a
 * retry after a partial effect is safe.
 */
export class WebhookService {
  private readonly handlers = new Map<WebhookProvider, Handler>();
  private readonly settledChecks = new Map<WebhookProvider, SettledCheck>();

  constructor(
    private readonly em: () => EntityManager,
    private readonly log: Logger,
  ) {}

  register(provider: WebhookProvider, handler: Handler, settled?: SettledCheck): void {
    this.handlers.set(provider, handler);
    if (settled) this.settledChecks.set(provider, settled);
  }

  async receive(
    provider: WebhookProvider,
    eventId: string,
    eventType: string,
    payload: unknown,
  ): Promise<{ id: string; duplicate: boolean }> {
    // One statement: the event recorded once, and its job queued only if it was recorded and is
    // not already applied. An event the provider's check finds applied (the usual second report of
    // a payment, after the booking recorded it) is recorded as processed, with no job to run.
    const id = randomUUID();
    const settled = this.settledChecks.get(provider)?.(payload) ?? null;
    const job = enqueueSql(
      'process_webhook_event',
      { id },
      { queueName: QUEUES[provider], jobKey: `webhook:${id}`, maxAttempts: MAX_ATTEMPTS },
    );
    const rows = await this.em().execute<{ id: string }[]>(
      `with settled as (select coalesce(${settled?.sql ?? 'false'}, false) as yes),
       ev as (
         insert into processed_webhook_events (id, provider, event_id, event_type, status, payload, attempts, processed_at)
         select ?, ?, ?, ?, case when yes then 'processed' else 'received' end, ?::jsonb,
           case when yes then 1 else 0 end, case when yes then now() end
         from settled
         on conflict (provider, event_id) do nothing returning id, status
       ), job as (
         select ${job.sql} as queued from ev where ev.status = 'received'
       )
       select ev.id, (select count(*) from job) as queued from ev`,
      [...(settled?.params ?? []), id, provider, eventId, eventType, JSON.stringify(payload), ...job.params],
    );
    const recorded = rows[0]?.id ?? null;
    if (!recorded) {
      const existing = await this.em().findOneOrFail(WebhookEvent, { provider, eventId });
      return { id: existing.id, duplicate: true };
    }
    return { id: recorded, duplicate: false };
  }

  /** Runs the event's handler once; throws on a failure worth retrying. */
  async process(id: string, attempt: { attempt: number; maxAttempts: number }): Promise<void> {
    const em = this.em();
    const event = await em.findOne(WebhookEvent, { id });
    // Done, or FAILED and waiting for an admin: a leftover job changes nothing.
    if (!event || event.status !== WebhookEventStatus.RECEIVED) return;
    const handler = this.handlers.get(event.provider);
    try {
      const outcome = handler ? await handler(event) : 'ignored';
      if (outcome === 'processed') await this.finish(id, WebhookEventStatus.PROCESSED, null);
      else await this.finish(id, WebhookEventStatus.IGNORED, null, typeof outcome === 'object' ? outcome.ignored : null);
    } catch (err) {
      const permanent = err instanceof DomainError;
      const giveUp = permanent || attempt.attempt >= attempt.maxAttempts;
      await this.finish(id, giveUp ? WebhookEventStatus.FAILED : WebhookEventStatus.RECEIVED, (err as Error).message ?? String(err));
      this.log.error({ err, webhookEventId: id, type: event.eventType, attempt: attempt.attempt }, 'webhook event failed');
      if (!giveUp) throw err;
    }
  }

  private async finish(id: string, status: WebhookEventStatus, error: string | null, reason: string | null = null): Promise<void> {
    await this.em().execute(
      `update processed_webhook_events set status = ?, attempts = attempts + 1, last_error = ?, ignored_reason = ?,
         processed_at = case when ? in ('processed', 'ignored') then now() else processed_at end
       where id = ?`,
      [status, error?.slice(0, 2000) ?? null, reason?.slice(0, 2000) ?? null, status, id],
    );
  }

  /** Events that were ignored because they named something we did not know yet, to try again. */
  async reprocessIgnored(ids: string[]): Promise<void> {
    for (const id of ids) {
      await this.em().execute(`update processed_webhook_events set status = 'received' where id = ? and status = 'ignored'`, [id]);
      await this.process(id, { attempt: 1, maxAttempts: 1 }).catch(() => undefined);
    }
  }

  async list(status: WebhookEventStatus | undefined, first?: number, after?: string): Promise<ConnectionShape<WebhookEvent>> {
    const page = pageRequest({ first, after }, cursorShapes.stringAndId);
    const order = [
      ['receivedAt', 'desc'],
      ['id', 'desc'],
    ] as const;
    const where: Record<string, unknown>[] = [];
    if (status) where.push({ status });
    if (page.cursor) where.push(keysetCondition(order, [new Date(page.cursor[0] as string), page.cursor[1]], false));
    const rows = await this.em().find(WebhookEvent, { $and: where }, { orderBy: keysetOrder(order, false), limit: page.size + 1 });
    return toConnection(
      rows,
      page,
      (e) => [e.receivedAt.toISOString(), e.id],
      (e) => e,
    );
  }

  /** Admin: processes a FAILED event again, now, and answers with what became of it. */
  async retry(actor: Actor, id: string): Promise<WebhookEvent> {
    assertUuid(id);
    await this.em().transactional(async (em) => {
      const event = await em.findOne(WebhookEvent, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      if (!event) throw notFound('Webhook event');
      if (event.status !== WebhookEventStatus.FAILED) {
        throw new DomainError('CONFLICT', `Only FAILED events can be retried; this one is ${event.status.toUpperCase()}`);
      }
      await em.execute(`update processed_webhook_events set status = 'received', last_error = null where id = ?`, [id]);
      auditLog.record(em, actor, {
        action: 'webhook.retry',
        subjectType: 'webhook_event',
        subjectId: id,
        before: { status: WebhookEventStatus.FAILED, attempts: event.attempts, lastError: event.lastError },
        after: { status: WebhookEventStatus.RECEIVED, provider: event.provider, eventType: event.eventType },
      });
    });
    try {
      await this.process(id, { attempt: 1, maxAttempts: 1 });
    } catch {
      /* recorded as FAILED again */
    }
    return this.em().findOneOrFail(WebhookEvent, { id });
  }
}
