/**
 * Webhooks as Stripe sends them: each event POSTed as pretty-printed JSON with a
 * `Stripe-Signature: t=…,v1=…` header (HMAC-SHA256 of `t.payload` with the endpoint's secret),
 * one at a time in order, after the answer to the request that caused it. Outcomes are recorded,
 * never thrown. Stripe retries an endpoint that did not answer 2xx; `retryDelaysMs` does the same
 * on a short schedule, and `redeliverPending` sends every event not yet delivered now.
 */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { DeliverOptions, SimEvent, WebhookDelivery, WebhookTarget } from './types';
import { nowSeconds, readBody } from './util';

const WEBHOOK_TIMEOUT_MS = 10_000;

type PostResult = Pick<WebhookDelivery, 'status' | 'error' | 'responseBody'>;

/** Builds a `Stripe-Signature` header value for `payload`, as Stripe signs webhooks. */
export function signPayload(payload: string, secret: string, timestamp = nowSeconds()): string {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${payload}`, 'utf8').digest('hex');
  return `t=${timestamp},v1=${signature}`;
}

export class WebhookSender {
  readonly deliveries: WebhookDelivery[] = [];
  autoDeliver: boolean;
  target: WebhookTarget | null;

  private readonly retryDelaysMs: readonly number[];
  private readonly outgoing = new Set<http.ClientRequest>();
  private readonly inFlight = new Set<Promise<WebhookDelivery>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly events: SimEvent[],
    options: { target?: WebhookTarget | null; autoDeliver?: boolean; retryDelaysMs?: readonly number[] },
  ) {
    this.target = options.target ?? null;
    this.autoDeliver = options.autoDeliver ?? true;
    this.retryDelaysMs = options.retryDelaysMs ?? [];
  }

  /** Queues a new event for automatic delivery, in order, after the current answer is written. */
  enqueue(event: SimEvent): void {
    if (!this.autoDeliver || !this.target) return;
    this.queue = this.queue
      .then(() => new Promise((resolve) => setImmediate(resolve)))
      .then(() => this.deliverWithRetries(event, 0))
      .catch(() => undefined);
  }

  /** POSTs one event to the webhook target now; the outcome is recorded in `deliveries`, never thrown. */
  deliver(event: SimEvent, options: DeliverOptions = {}): Promise<WebhookDelivery> {
    const target = options.target ?? this.target;
    if (!target) return Promise.reject(new Error('deliver needs a webhook target: none given and none is set'));
    const payload = JSON.stringify(event, null, 2);
    const signature = options.signature ?? signPayload(payload, options.secret ?? target.secret, options.timestamp);
    const delivery = this.post(target.url, payload, signature).then((result) => {
      const record: WebhookDelivery = { eventId: event.id, type: event.type, url: target.url, ...result, deliveredAt: Date.now() };
      this.deliveries.push(record);
      if (delivered(record)) {
        const stored = this.events.find((e) => e.id === event.id);
        if (stored) stored.pending_webhooks = 0;
      }
      return record;
    });
    this.inFlight.add(delivery);
    void delivery.finally(() => this.inFlight.delete(delivery));
    return delivery;
  }

  /** Sends every event whose webhook was never answered 2xx, oldest first; returns how many. */
  async redeliverPending(): Promise<number> {
    const pending = this.events.filter((e) => e.pending_webhooks > 0);
    for (const event of pending) await this.deliver(event);
    return pending.length;
  }

  /** Resolves once every queued or in-flight webhook delivery has finished. */
  async flush(): Promise<void> {
    for (;;) {
      const queue = this.queue;
      await queue;
      await Promise.all(this.inFlight);
      if (queue === this.queue && this.inFlight.size === 0) return;
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const request of this.outgoing) request.destroy();
  }

  private async deliverWithRetries(event: SimEvent, attempt: number): Promise<void> {
    if (!this.target || this.closed) return;
    const record = await this.deliver(event);
    const delay = this.retryDelaysMs[attempt];
    if (delivered(record) || delay === undefined || this.closed) return;
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      void this.deliverWithRetries(event, attempt + 1);
    }, delay);
    this.retryTimers.add(timer);
  }

  private post(url: string, payload: string, signature: string): Promise<PostResult> {
    return new Promise((resolve) => {
      const target = new URL(url);
      const client = target.protocol === 'https:' ? https : http;
      const request = client.request(
        target,
        {
          method: 'POST',
          // A fresh connection per delivery, so no pooled socket outlives the simulator.
          agent: false,
          timeout: WEBHOOK_TIMEOUT_MS,
          headers: {
            'Content-Type': 'application/json; charset=utf-8',
            'Content-Length': Buffer.byteLength(payload),
            'Stripe-Signature': signature,
            'User-Agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          },
        },
        (response) => {
          readBody(response)
            .then((body) => resolve({ status: response.statusCode ?? null, error: null, responseBody: body }))
            .catch((error: Error) => resolve({ status: response.statusCode ?? null, error: error.message, responseBody: null }));
        },
      );
      this.outgoing.add(request);
      request.on('close', () => this.outgoing.delete(request));
      request.on('timeout', () => request.destroy(new Error(`timed out after ${WEBHOOK_TIMEOUT_MS}ms`)));
      request.on('error', (error: NodeJS.ErrnoException) =>
        resolve({ status: null, error: error.code ?? error.message, responseBody: null }),
      );
      request.end(payload);
    });
  }
}

const delivered = (record: WebhookDelivery) => record.status !== null && record.status >= 200 && record.status < 300;
