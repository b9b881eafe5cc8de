import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GraphQLSchema } from 'graphql';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import {
  Arg,
  buildSchema,
  Ctx,
  Field,
  ID,
  Int,
  ObjectType,
  Query,
  Resolver,
  Root,
  Subscription,
  type SubscribeResolverData,
} from 'type-graphql';
import type { Logger } from 'pino';
import WebSocket from 'ws';
import { authChecker } from '../src/auth/auth-checker';
import { signToken } from '../src/auth/token';
import { forbidden } from '../src/common/errors';
import { Context } from '../src/context';
import { PayloadTooLargeError, PgPubSub, publishInTransaction } from '../src/events/pg-pubsub';
import { attachWebSocket, type WebSocketHandle } from '../src/server-ws';
import type { Services } from '../src/services';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';

// A schema of its own: the point is the transport and the engine, not any domain subscription.
let resolverCalls = 0;

@ObjectType()
class TestNode {
  @Field(() => ID)
  id!: string;

  @Field(() => TestNode, { nullable: true })
  child!: TestNode | null;
}

@ObjectType()
class TestEvent {
  @Field()
  status!: string;

  @Field(() => ID)
  userId!: string;

  @Field(() => TestNode)
  node!: TestNode;
}

const chain = (depth: number): TestNode => ({ id: `n${depth}`, child: depth > 0 ? chain(depth - 1) : null });

@Resolver()
class TestResolver {
  @Query(() => ID)
  whoami(@Ctx() ctx: Context): string {
    resolverCalls += 1;
    return ctx.requireViewer().id;
  }

  @Query(() => [TestNode])
  nodes(@Arg('first', () => Int) first: number): TestNode[] {
    return Array.from({ length: first }, () => chain(0));
  }

  @Query(() => String)
  refused(): string {
    throw forbidden('Not yours');
  }

  @Query(() => String)
  broken(): string {
    throw new Error('select secret from users');
  }

  @Subscription(() => TestEvent, {
    topics: ({ context }: SubscribeResolverData<unknown, unknown, Context>) => `test:${context.requireViewer().id}`,
  })
  testEvents(@Root() payload: { status: string }, @Ctx() ctx: Context): TestEvent {
    resolverCalls += 1;
    return { status: payload.status, userId: ctx.requireViewer().id, node: chain(8) };
  }
}

// type-graphql checks the auth metadata of every resolver loaded, including the app's, so it needs the authChecker.
const testSchema = (pubSub: PgPubSub) => buildSchema({ resolvers: [TestResolver], pubSub, authChecker, validate: false });

interface WsServer {
  url: string;
  handle: WebSocketHandle;
  close(): Promise<void>;
}

/** graphql-ws on a plain HTTP server, as one more instance of the API would serve it. */
async function serveWs(services: Services, schema: GraphQLSchema): Promise<WsServer> {
  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const handle = attachWebSocket({ httpServer: server, schema, services });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}/graphql`,
    handle,
    async close() {
      await handle.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const clients: Client[] = [];
function connect(url: string, authorization?: string, opts: { lazy?: boolean; onClosed?: (code: number) => void } = {}): Client {
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: opts.lazy ?? true,
    onNonLazyError: () => undefined,
    connectionParams: authorization === undefined ? {} : { authorization },
    on: { closed: (event) => opts.onClosed?.((event as { code: number }).code) },
  });
  clients.push(client);
  return client;
}

type Result = FormattedExecutionResult<Record<string, unknown>, unknown>;

interface Collected {
  events: Result[];
  error: unknown;
  completed: boolean;
  stop(): void;
}

function collect(client: Client, query: string): Collected {
  const c: Collected = { events: [], error: undefined, completed: false, stop: () => undefined };
  c.stop = client.subscribe(
    { query },
    {
      next: (value) => void c.events.push(value),
      error: (err) => void (c.error = err),
      complete: () => void (c.completed = true),
    },
  );
  return c;
}

/** One query or mutation over the socket: its result, or what ended it (errors array or close event). */
async function run(client: Client, query: string): Promise<{ result?: Result; error?: any }> {
  return new Promise((resolve) => {
    let result: Result | undefined;
    client.subscribe(
      { query },
      { next: (value) => void (result = value), error: (error) => resolve({ error }), complete: () => resolve({ result }) },
    );
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await sleep(10);
  }
}

const statuses = (c: Collected) => c.events.map((e) => (e.data as { testEvents: { status: string } }).testEvents.status);

let tA: TestApp;
let tB: TestApp;
let wsA: WsServer;
let wsB: WsServer;

beforeAll(async () => {
  const env = { GRAPHQL_MAX_DEPTH: '5', GRAPHQL_MAX_COST: '50' };
  tA = await startTestApp(env);
  // A second instance of the API on the same database: its own ORM, its own LISTEN connection.
  tB = await startTestApp(env, { databaseUrl: tA.databaseUrl });
  wsA = await serveWs(tA.app.services, await testSchema(tA.app.pubsub));
  wsB = await serveWs(tB.app.services, await testSchema(tB.app.pubsub));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => Promise.resolve(c.dispose()).catch(() => undefined)));
  // The server ends a closed client's subscriptions asynchronously; leftovers would satisfy the next test's waitForSubscribers.
  await waitFor(() => wsA.handle.activeSubscriptions === 0 && wsB.handle.activeSubscriptions === 0);
});

afterAll(async () => {
  await wsA?.close();
  await wsB?.close();
  await tB?.close();
  await tA?.close();
});

const commit = (t: TestApp, topic: string, payload: object) =>
  t.app.services.orm.em.fork().transactional((em) => publishInTransaction(em, topic, payload));

describe('connection_init authentication', () => {
  it('closes with 4403 when the token is missing or refused, and runs nothing', async () => {
    resolverCalls = 0;
    const forged = await signToken(
      { sub: '00000000-0000-4000-8000-000000000009', email: 'x@example.com', roles: ['admin'] },
      'w'.repeat(40),
    );
    for (const authorization of [undefined, '', 'Bearer not-a-jwt', forged, `Bearer ${forged}`]) {
      const closed: number[] = [];
      const client = connect(wsA.url, authorization, { onClosed: (code) => closed.push(code) });
      const { result, error } = await run(client, '{ whoami }');
      expect(result).toBeUndefined();
      expect(error.code).toBe(4403);
      expect(error.reason).toBe('Forbidden');
      expect(closed).toEqual([4403]);
    }
    expect(resolverCalls).toBe(0);
  });

  it('does not run an operation sent before the connection is acknowledged', async () => {
    resolverCalls = 0;
    const user = await tA.user();
    for (const payload of [{}, { authorization: `Bearer ${user.token}` }]) {
      const socket = new WebSocket(wsA.url, 'graphql-transport-ws');
      const messages: string[] = [];
      socket.on('message', (m) => messages.push(String(m)));
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init', payload }));
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ whoami }' } }));
      const [code] = (await once(socket, 'close')) as [number];
      // No token: refused at once (4403). A good token: the protocol's 4401 for a subscribe before connection_ack.
      expect(code).toBe('authorization' in payload ? 4401 : 4403);
      expect(messages.filter((m) => m.includes('"next"'))).toEqual([]);
    }
    expect(resolverCalls).toBe(0);
  });

  it('accepts "Bearer <jwt>" and the bare jwt, and runs operations as that viewer', async () => {
    const user = await tA.user();
    for (const authorization of [`Bearer ${user.token}`, user.token]) {
      const { result } = await run(connect(wsA.url, authorization), '{ whoami }');
      expect(result).toEqual({ data: { whoami: user.id } });
    }
  });

  it('closes the socket with 4403 when the token expires', async () => {
    const user = await tA.user();
    const shortLived = await signToken({ sub: user.id, email: user.email, roles: ['client'] }, tA.config.auth.jwtSecret, '2s');
    const closed: number[] = [];
    const sub = collect(connect(wsA.url, shortLived, { onClosed: (code) => closed.push(code) }), 'subscription { testEvents { status } }');
    await wsA.handle.waitForSubscribers(1);
    await waitFor(() => closed.length > 0, 4000);
    expect(closed).toEqual([4403]);
    expect(sub.error).toMatchObject({ code: 4403, reason: 'Token expired' });
  });

  it('is wired into the app on the HTTP port', async () => {
    const url = `${tA.url.replace(/^http/, 'ws')}/graphql`;
    const user = await tA.user();
    const ok = await run(connect(url, `Bearer ${user.token}`), '{ pricing { sku } }');
    expect((ok.result?.data as { pricing: unknown[] }).pricing).toHaveLength(3);
    const refused = await run(connect(url), '{ pricing { sku } }');
    expect(refused.error.code).toBe(4403);
  });
});

describe('events through PostgreSQL LISTEN/NOTIFY', () => {
  let u1: TestUser;
  let u2: TestUser;
  beforeAll(async () => {
    u1 = await tA.user();
    u2 = await tA.user();
  });

  it('delivers an event when its transaction commits, never before and never for a rollback', async () => {
    const sub = collect(connect(wsA.url, `Bearer ${u1.token}`), 'subscription { testEvents { status userId } }');
    await wsA.handle.waitForSubscribers(1);

    await tA.app.services.orm.em.fork().transactional(async (em) => {
      await publishInTransaction(em, `test:${u1.id}`, { status: 'committed' });
      await sleep(300);
      expect(sub.events).toEqual([]);
    });
    await waitFor(() => sub.events.length === 1);
    expect(sub.events[0]).toEqual({ data: { testEvents: { status: 'committed', userId: u1.id } } });

    await expect(
      tA.app.services.orm.em.fork().transactional(async (em) => {
        await publishInTransaction(em, `test:${u1.id}`, { status: 'rolled back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    // Notifications arrive in commit order, so once a later commit is seen a rolled-back one would have been too.
    await sleep(200);
    await commit(tA, `test:${u1.id}`, { status: 'later' });
    await waitFor(() => sub.events.length >= 2);
    await sleep(100);
    expect(statuses(sub)).toEqual(['committed', 'later']);
    expect(sub.error).toBeUndefined();
  });

  it('reaches a subscriber connected to another instance', async () => {
    expect(tB.app.pubsub.backendPid).not.toBe(tA.app.pubsub.backendPid);
    const sub = collect(connect(wsB.url, `Bearer ${u1.token}`), 'subscription { testEvents { status } }');
    await wsB.handle.waitForSubscribers(1);
    await commit(tA, `test:${u1.id}`, { status: 'from A in a transaction' });
    await tA.app.pubsub.publish(`test:${u1.id}`, { status: 'from A directly' });
    await waitFor(() => sub.events.length === 2);
    expect(statuses(sub)).toEqual(['from A in a transaction', 'from A directly']);
  });

  it('keeps topics apart', async () => {
    const sub1 = collect(connect(wsA.url, `Bearer ${u1.token}`), 'subscription { testEvents { status userId } }');
    const sub2 = collect(connect(wsA.url, u2.token), 'subscription { testEvents { status userId } }');
    await wsA.handle.waitForSubscribers(2);
    await commit(tA, `test:${u2.id}`, { status: 'for u2' });
    await waitFor(() => sub2.events.length === 1);
    await sleep(200);
    expect(sub1.events).toEqual([]);
    expect(sub2.events[0]).toEqual({ data: { testEvents: { status: 'for u2', userId: u2.id } } });
    await commit(tA, `test:${u1.id}`, { status: 'for u1' });
    await waitFor(() => sub1.events.length === 1);
    expect(statuses(sub1)).toEqual(['for u1']);
    expect(statuses(sub2)).toEqual(['for u2']);
  });

  it('stops listening for a subscriber that completes', async () => {
    const before = tA.app.pubsub.subscriberCount;
    const sub = collect(connect(wsA.url, `Bearer ${u1.token}`), 'subscription { testEvents { status } }');
    await wsA.handle.waitForSubscribers(1);
    expect(tA.app.pubsub.subscriberCount).toBe(before + 1);
    sub.stop();
    await waitFor(() => wsA.handle.activeSubscriptions === 0 && tA.app.pubsub.subscriberCount === before);
  });

  it('refuses payloads NOTIFY cannot carry, and publishing outside a transaction', async () => {
    const em = tA.app.services.orm.em.fork();
    await expect(em.transactional((tem) => publishInTransaction(tem, 'test:x', { blob: 'x'.repeat(8000) }))).rejects.toThrow(
      PayloadTooLargeError,
    );
    await expect(publishInTransaction(em, 'test:x', { status: 'x' })).rejects.toThrow(/inside em.transactional/);
  });

  it('keeps a slow subscriber bounded, dropping the oldest events with a warning', async () => {
    const warnings: unknown[] = [];
    const log = { warn: (obj: unknown) => warnings.push(obj), info: () => undefined } as unknown as Logger;
    const pubsub = new PgPubSub({ connectionString: tA.databaseUrl, maxQueue: 3, log });
    await pubsub.start();
    try {
      const slow = pubsub.subscribe('test:slow');
      // Same routing rule as type-graphql's topicId: ('test', 'marker') is the topic 'test:marker'.
      const marker = pubsub.subscribe('test', 'marker');
      await tA.app.services.orm.em.fork().transactional(async (em) => {
        for (let n = 1; n <= 5; n++) await publishInTransaction(em, 'test:slow', { n });
      });
      // One connection delivers in commit order: once the marker is here, all five reached `slow`.
      await commit(tA, 'test:marker', { done: true });
      await expect(marker.next()).resolves.toEqual({ value: { done: true }, done: false });
      for (const n of [3, 4, 5]) await expect(slow.next()).resolves.toEqual({ value: { n }, done: false });
      expect(warnings).toEqual([expect.objectContaining({ topic: 'test:slow', dropped: 1, maxQueue: 3 })]);
      const nothingMore = await Promise.race([slow.next(), sleep(100).then(() => 'nothing')]);
      expect(nothingMore).toBe('nothing');
    } finally {
      await pubsub.close();
    }
  });

  it('reconnects and listens again when its connection is killed', async () => {
    const pubsub = new PgPubSub({ connectionString: tA.databaseUrl, reconnect: { minMs: 20, maxMs: 200 } });
    await pubsub.start();
    try {
      const events = pubsub.subscribe('test:reconnect');
      const pid = pubsub.backendPid;
      await tA.app.services.orm.em.fork().execute('select pg_terminate_backend(?)', [pid]);
      await waitFor(() => pubsub.listening && pubsub.backendPid !== pid);
      await commit(tA, 'test:reconnect', { n: 1 });
      await expect(events.next()).resolves.toEqual({ value: { n: 1 }, done: false });
      const pending = events.next();
      await pubsub.close();
      await expect(pending).resolves.toEqual({ value: undefined, done: true });
    } finally {
      await pubsub.close();
    }
  });
});

describe('operation limits and errors over WebSocket', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await tA.user();
  });

  it('refuses an over-deep subscription and an over-costly query before running them', async () => {
    resolverCalls = 0;
    const deep = collect(
      connect(wsA.url, `Bearer ${user.token}`),
      'subscription { testEvents { node { child { child { child { id } } } } } }',
    );
    await waitFor(() => deep.error !== undefined);
    expect(deep.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/nested 6 levels deep/) })]);
    expect((deep.error as any)[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(wsA.handle.activeSubscriptions).toBe(0);

    const costly = await run(connect(wsA.url, `Bearer ${user.token}`), '{ nodes(first: 100) { id } }');
    expect(costly.error[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(costly.error[0].message).toMatch(/cost/);

    const fine = await run(connect(wsA.url, `Bearer ${user.token}`), '{ nodes(first: 3) { id } whoami }');
    expect(fine.result?.data).toEqual({ nodes: [{ id: 'n0' }, { id: 'n0' }, { id: 'n0' }], whoami: user.id });
    expect(resolverCalls).toBe(1);
  });

  it('formats errors with the same codes as HTTP', async () => {
    const client = connect(wsA.url, `Bearer ${user.token}`);
    expect((await run(client, '{ whoami')).error[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    expect((await run(client, '{ nope }')).error[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const refused = await run(client, '{ refused }');
    expect(refused.result?.errors).toEqual([expect.objectContaining({ message: 'Not yours', extensions: { code: 'FORBIDDEN' } })]);
    const broken = await run(client, '{ broken }');
    expect(broken.result?.errors).toEqual([
      { message: 'Internal server error', path: ['broken'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
  });

  it('refuses introspection when it is switched off', async () => {
    const { services } = tA.app;
    const config = { ...services.config, graphql: { ...services.config.graphql, introspection: false } };
    const closed = await serveWs({ ...services, config }, await testSchema(tA.app.pubsub));
    try {
      const query = '{ __schema { queryType { name } } }';
      const off = await run(connect(closed.url, `Bearer ${user.token}`), query);
      expect(off.error[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const on = await run(connect(wsA.url, `Bearer ${user.token}`), query);
      expect(on.result?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    } finally {
      await closed.close();
    }
  });
});

describe('shutdown', () => {
  it('closing an app closes its sockets and completes the subscriptions fed by its events engine', async () => {
    const tC = await startTestApp({}, { databaseUrl: tA.databaseUrl });
    const wsC = await serveWs(tC.app.services, await testSchema(tC.app.pubsub));
    try {
      const user = await tC.user();
      const sub = collect(connect(wsC.url, `Bearer ${user.token}`), 'subscription { testEvents { status } }');
      await wsC.handle.waitForSubscribers(1);
      const appClosed: number[] = [];
      const onApp = connect(`${tC.url.replace(/^http/, 'ws')}/graphql`, `Bearer ${user.token}`, {
        lazy: false,
        onClosed: (code) => appClosed.push(code),
      });
      expect((await run(onApp, '{ pricing { sku } }')).result?.data).toBeDefined();

      await tC.close();

      expect(appClosed).toEqual([1001]);
      await waitFor(() => sub.completed);
      expect(sub.error).toBeUndefined();
      expect(wsC.handle.activeSubscriptions).toBe(0);
      expect(tC.app.pubsub.subscriberCount).toBe(0);
      expect(tC.app.pubsub.listening).toBe(false);
    } finally {
      await wsC.close();
      await tC.close();
    }
  });
});
