import type { EntityManager } from '@mikro-orm/postgresql';
import { Client, type Notification } from 'pg';
import type { Logger } from 'pino';
import type { PubSub } from 'type-graphql';
import type { SqlFragment } from '../db/sql';

/** The one NOTIFY channel every instance listens on; topics travel inside the payload. */
export const EVENTS_CHANNEL = 'app_events';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more (default build). */
export const MAX_NOTIFY_BYTES = 8000;

/** Past this many undelivered events a subscriber loses its oldest ones rather than grow without bound. */
export const DEFAULT_MAX_QUEUE = 1000;

export class PayloadTooLargeError extends Error {
  constructor(
    readonly topic: string,
    readonly bytes: number,
  ) {
    super(`Event for "${topic}" is ${bytes} bytes; NOTIFY allows less than ${MAX_NOTIFY_BYTES}. Send ids and let receivers load rows.`);
    this.name = 'PayloadTooLargeError';
  }
}

/**
 * The topic type-graphql's `topicId` produces: `${routingKey}:${id}`, the same rule as
 * @graphql-yoga/subscription, so `@Subscription({ topics: 'user', topicId: ... })` and
 * `publish('user', id, payload)` meet on the same key.
 */
export function composeTopic(routingKey: string, dynamicId?: unknown): string {
  return dynamicId === undefined ? routingKey : `${routingKey}:${String(dynamicId)}`;
}

/** One NOTIFY: an event for one topic, or the same event for several (routed in-process by each receiver). */
interface Envelope {
  topic?: string;
  topics?: string[];
  payload: unknown;
}

function encode(topic: string | readonly string[], payload: unknown): string {
  const list = typeof topic === 'string' ? [topic] : [...topic];
  if (list.length === 0 || list.some((t) => typeof t !== 'string' || t === '')) throw new Error('An event needs a non-empty topic');
  const json = JSON.stringify((list.length === 1 ? { topic: list[0], payload } : { topics: list, payload }) satisfies Envelope);
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes >= MAX_NOTIFY_BYTES) throw new PayloadTooLargeError(list.join(','), bytes);
  return json;
}

function checkChannel(channel: string): string {
  // LISTEN takes an identifier, pg_notify a string: lower-case letters keep both spellings equal
  // and the name safe to splice into LISTEN.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`Invalid NOTIFY channel name "${channel}"`);
  return channel;
}

/**
 * Queues an event that every instance's subscribers to `topic` receive when, and only when, the
 * transaction `em` belongs to commits (PostgreSQL holds a NOTIFY until commit and drops it on
 * rollback). `em` must be the transactional fork, e.g. inside `em.transactional(...)`; outside a
 * transaction the event would leave at once, so that is refused. PostgreSQL delivers identical
 * (topic and payload) events of one transaction once, which is harmless for id-and-status payloads.
 * Given several topics, the event goes out in one NOTIFY and every receiver delivers it to the
 * subscribers of each topic (a status change reaches its consultation, both users and admins).
 */
export async function publishInTransaction(
  em: EntityManager,
  topic: string | readonly string[],
  payload: object,
  channel = EVENTS_CHANNEL,
): Promise<void> {
  if (!em.isInTransaction()) {
    throw new Error('publishInTransaction needs the transaction’s EntityManager (call it inside em.transactional)');
  }
  const notify = notificationSql(topic, payload, channel);
  await em.execute(`select ${notify.sql}`, notify.params);
}

/**
 * The NOTIFY of {@link publishInTransaction} as an SQL expression with its parameters, for a
 * statement that announces the rows it writes (and only if it writes them). Like any NOTIFY it
 * leaves at commit, or never if the transaction rolls back.
 */
export function notificationSql(topic: string | readonly string[], payload: object, channel = EVENTS_CHANNEL): SqlFragment {
  return { sql: 'pg_notify(?, ?)', params: [checkChannel(channel), encode(topic, payload)] };
}

/** One subscriber's stream: a bounded queue that ends when the consumer returns or the engine closes. */
class TopicSubscription implements AsyncIterableIterator<unknown> {
  private queue: unknown[] = [];
  private waiting: ((result: IteratorResult<unknown>) => void) | null = null;
  private finished = false;
  private dropped = 0;

  constructor(
    readonly topic: string,
    private readonly maxQueue: number,
    private readonly detach: (sub: TopicSubscription) => void,
    private readonly log: Logger | undefined,
  ) {}

  push(value: unknown): void {
    if (this.finished) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
      return;
    }
    this.queue.push(value);
    if (this.queue.length > this.maxQueue) {
      this.queue.shift();
      this.dropped += 1;
      // Once and then every thousandth drop: a stuck client must not flood the log too.
      if (this.dropped === 1 || this.dropped % 1000 === 0) {
        this.log?.warn({ topic: this.topic, dropped: this.dropped, maxQueue: this.maxQueue }, 'slow subscriber: dropping oldest events');
      }
    }
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift(), done: false });
    if (this.finished) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(error?: unknown): Promise<IteratorResult<unknown>> {
    this.end();
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Ends the stream; queued events are discarded, a pending `next()` resolves as done. */
  end(): void {
    if (this.finished) return;
    this.finished = true;
    this.queue = [];
    this.detach(this);
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
  }
}

export interface PgPubSubOptions {
  /** The database every instance shares; NOTIFY does not cross databases. */
  connectionString: string;
  channel?: string;
  log?: Logger;
  /** Undelivered events kept per subscriber before the oldest are dropped. */
  maxQueue?: number;
  /** Reconnect backoff: doubles from `minMs` up to `maxMs`, with jitter. */
  reconnect?: { minMs?: number; maxMs?: number };
  /** How often the idle LISTEN connection is probed; 0 turns the probe off. */
  heartbeatMs?: number;
}

/**
 * A type-graphql PubSub over PostgreSQL LISTEN/NOTIFY, so an event committed by any instance
 * reaches the subscribers on every instance. Each process keeps one dedicated connection that
 * LISTENs on one channel; events are fanned out locally by topic, so an event costs
 * O(subscribers of its topic). Payloads are JSON and travel in NOTIFY, so they must stay small:
 * send ids and statuses and let receivers load rows.
 *
 * Events NOTIFYed while the listening connection is down are lost (it reconnects with backoff
 * and LISTENs again); a client that must not miss a state change should read the current state
 * after subscribing.
 */
export class PgPubSub implements PubSub {
  readonly channel: string;
  private readonly topics = new Map<string, Set<TopicSubscription>>();
  private readonly maxQueue: number;
  private readonly minDelay: number;
  private readonly maxDelay: number;
  private client: Client | null = null;
  private pid: number | null = null;
  private connecting: Promise<void> | null = null;
  private started: Promise<void> | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private attempts = 0;
  private closed = false;

  constructor(private readonly options: PgPubSubOptions) {
    this.channel = checkChannel(options.channel ?? EVENTS_CHANNEL);
    this.maxQueue = options.maxQueue ?? DEFAULT_MAX_QUEUE;
    this.minDelay = options.reconnect?.minMs ?? 100;
    this.maxDelay = options.reconnect?.maxMs ?? 5000;
  }

  private get heartbeatMs(): number {
    return this.options.heartbeatMs ?? 30_000;
  }

  /** Opens the listening connection; rejects if the first attempt fails, so a bad URL stops start-up. */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('PgPubSub is closed'));
    return (this.started ??= this.connect());
  }

  /** True while the LISTEN connection is up. */
  get listening(): boolean {
    return this.client !== null;
  }

  /** The server process id of the LISTEN connection (for health checks and tests). */
  get backendPid(): number | null {
    return this.pid;
  }

  /** Live subscribers across all topics in this process. */
  get subscriberCount(): number {
    let n = 0;
    for (const set of this.topics.values()) n += set.size;
    return n;
  }

  /**
   * type-graphql's entry point. The iterator is registered before this returns, so an event
   * committed after the subscription operation has started is not missed.
   */
  subscribe(routingKey: string, dynamicId?: unknown): AsyncIterableIterator<unknown> {
    const topic = composeTopic(routingKey, dynamicId);
    const sub = new TopicSubscription(topic, this.maxQueue, (s) => this.detach(s), this.options.log);
    if (this.closed) {
      sub.end();
      return sub;
    }
    let set = this.topics.get(topic);
    if (!set) this.topics.set(topic, (set = new Set()));
    set.add(sub);
    return sub;
  }

  /**
   * Publishes at once, outside any transaction: `publish(topic, payload)` or, like
   * @graphql-yoga/subscription, `publish(routingKey, id, payload)`. Services should prefer
   * {@link publishInTransaction} so a rolled-back change never announces itself.
   */
  async publish(routingKey: string, ...args: unknown[]): Promise<void> {
    const [topic, payload] = args.length >= 2 ? [composeTopic(routingKey, args[0]), args[1]] : [routingKey, args[0] ?? null];
    const client = this.client;
    if (!client) throw new Error('PgPubSub is not connected');
    await client.query('select pg_notify($1, $2)', [this.channel, encode(topic, payload)]);
  }

  /** {@link notificationSql} on this engine's channel. */
  notificationSql(topic: string | readonly string[], payload: object): SqlFragment {
    return notificationSql(topic, payload, this.channel);
  }

  /** {@link publishInTransaction} on this engine's channel. */
  publishInTransaction(em: EntityManager, topic: string | readonly string[], payload: object): Promise<void> {
    return publishInTransaction(em, topic, payload, this.channel);
  }

  /** Ends every subscriber's stream (so GraphQL subscriptions complete) and the LISTEN connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.stopHeartbeat();
    for (const set of [...this.topics.values()]) for (const sub of [...set]) sub.end();
    this.topics.clear();
    // An attempt in flight sees `closed` when it settles and ends its own client.
    await this.connecting?.catch(() => undefined);
    const client = this.client;
    this.client = null;
    this.pid = null;
    await client?.end().catch(() => undefined);
  }

  private detach(sub: TopicSubscription): void {
    const set = this.topics.get(sub.topic);
    if (!set) return;
    set.delete(sub);
    if (set.size === 0) this.topics.delete(sub.topic);
  }

  private connect(): Promise<void> {
    const attempt = this.openClient().finally(() => {
      if (this.connecting === attempt) this.connecting = null;
    });
    this.connecting = attempt;
    return attempt;
  }

  private async openClient(): Promise<void> {
    const client = new Client({
      connectionString: this.options.connectionString,
      // Without keep-alive a silently dropped connection would look alive and deliver nothing.
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      // A query on a half-open connection would otherwise wait for TCP to give up (minutes).
      query_timeout: 10_000,
      application_name: 'app-events-listener',
    });
    client.on('notification', (msg) => this.onNotification(msg));
    client.on('error', (err) => this.onLost(client, err));
    client.on('end', () => this.onLost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
      const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
      if (this.closed) {
        await client.end();
        return;
      }
      this.client = client;
      this.pid = rows[0]?.pid ?? null;
      this.startHeartbeat(client);
    } catch (err) {
      await client.end().catch(() => undefined);
      throw err;
    }
  }

  private onLost(client: Client, err?: Error): void {
    if (client !== this.client) return;
    this.client = null;
    this.pid = null;
    this.stopHeartbeat();
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.options.log?.warn({ err }, 'events listener connection lost; reconnecting');
    this.scheduleReconnect();
  }

  /**
   * A LISTEN connection only receives, so a peer that vanished without a FIN or RST (a NAT or load
   * balancer dropping idle flows) would go unnoticed and deliver nothing; a periodic query finds out.
   */
  private startHeartbeat(client: Client): void {
    if (this.heartbeatMs <= 0) return;
    this.heartbeat = setInterval(() => {
      client.query('select 1').catch((err: Error) => this.onLost(client, err));
    }, this.heartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer) return;
    const base = Math.min(this.maxDelay, this.minDelay * 2 ** this.attempts);
    const delay = Math.round(base / 2 + (Math.random() * base) / 2);
    this.attempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.connect().then(
        () => {
          if (this.closed) return;
          this.options.log?.info({ attempts: this.attempts }, 'events listener reconnected');
          this.attempts = 0;
        },
        (err: unknown) => {
          this.options.log?.warn({ err, attempts: this.attempts }, 'events listener reconnect failed');
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  private onNotification(msg: Notification): void {
    if (msg.channel !== this.channel || msg.payload === undefined) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(msg.payload) as Envelope;
    } catch {
      this.options.log?.warn({ channel: msg.channel }, 'ignoring a NOTIFY payload that is not JSON');
      return;
    }
    const list = typeof envelope?.topic === 'string' ? [envelope.topic] : Array.isArray(envelope?.topics) ? envelope.topics : [];
    for (const topic of new Set(list)) {
      const set = typeof topic === 'string' ? this.topics.get(topic) : undefined;
      if (!set) continue;
      for (const sub of set) sub.push(envelope.payload);
    }
  }
}
