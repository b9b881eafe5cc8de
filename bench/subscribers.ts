/**
 * WebSocket subscribers for the fan-out and stream figures of npm run bench, forked by bench/run.ts
 * so the server process does the fan-out alone. It opens one graphql-ws client per subscription,
 * stamps each status event on arrival with the clock all bench processes share, and (given a
 * database URL) LISTENs on the events channel itself, so the same event's arrival at a bare pg
 * listener can be set beside its arrival through the server.
 *
 * IPC: {type: 'open'} -> {type: 'opened'}; {type: 'collect'} -> {type: 'report'} once `expected`
 * events arrived or `timeoutMs` passed; then the clients are disposed and the process exits.
 */
import { Client } from 'pg';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';

export interface SubscriberSpec {
  token: string;
  query: string;
  variables?: Record<string, unknown>;
}

export type SubscribersMessage =
  | { type: 'open'; wsUrl: string; subscriptions: SubscriberSpec[]; listen?: { databaseUrl: string; channel: string } }
  | { type: 'collect'; expected: number; timeoutMs: number };

export type SubscribersReply =
  | { type: 'opened' }
  | {
      type: 'report';
      /** `${consultationId}:${STATUS}` and arrival time through the server, one per delivery. */
      arrivals: [string, number][];
      /** The same key and the NOTIFY's arrival at this process's own pg listener, once per event. */
      notified: [string, number][];
      errors: number;
      /** This process's CPU from the first arrival to the report, and the wall time it spans. */
      busy: { cpuMs: number; wallMs: number } | null;
    };

const sharedNow = () => performance.timeOrigin + performance.now();

const arrivals: [string, number][] = [];
const notified: [string, number][] = [];
let errors = 0;
let firstArrival: { cpu: NodeJS.CpuUsage; at: number } | null = null;
let clients: WsClient[] = [];
let listener: Client | null = null;

async function open(msg: Extract<SubscribersMessage, { type: 'open' }>): Promise<void> {
  if (msg.listen) {
    listener = new Client({ connectionString: msg.listen.databaseUrl });
    await listener.connect();
    await listener.query(`listen ${msg.listen.channel}`);
    listener.on('notification', (m) => {
      const at = sharedNow();
      try {
        const p = JSON.parse(m.payload ?? '').payload as { consultationId?: string; status?: string };
        if (p?.consultationId && p.status) notified.push([`${p.consultationId}:${p.status.toUpperCase()}`, at]);
      } catch {
        // not a status event
      }
    });
  }
  clients = msg.subscriptions.map((s) => {
    const client = createClient({
      url: msg.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${s.token}` },
      retryAttempts: 0,
      lazy: false,
    });
    client.subscribe(
      { query: s.query, variables: s.variables },
      {
        next: (v) => {
          const e = (v.data as { consultationStatusChanged?: { status: string; consultation: { id: string } } } | null)
            ?.consultationStatusChanged;
          firstArrival ??= { cpu: process.cpuUsage(), at: performance.now() };
          if (e) arrivals.push([`${e.consultation.id}:${e.status}`, sharedNow()]);
          else errors++;
        },
        error: () => errors++,
        complete: () => {},
      },
    );
    return client;
  });
}

async function collect(msg: Extract<SubscribersMessage, { type: 'collect' }>): Promise<SubscribersReply> {
  const until = performance.now() + msg.timeoutMs;
  while (arrivals.length < msg.expected && performance.now() < until) await new Promise((r) => setTimeout(r, 10));
  const used = firstArrival && process.cpuUsage(firstArrival.cpu);
  const busy = firstArrival && used ? { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - firstArrival.at } : null;
  return { type: 'report', arrivals, notified, errors, busy };
}

process.on('message', (msg: SubscribersMessage) => {
  const done = (reply: SubscribersReply, exit = false) =>
    process.send!(reply, () => {
      if (exit) void Promise.all(clients.map((c) => c.dispose())).finally(() => process.exit(0));
    });
  const fail = (err: unknown) => {
    console.error(err);
    process.exit(1);
  };
  if (msg.type === 'open') open(msg).then(() => done({ type: 'opened' }), fail);
  else
    collect(msg).then(async (report) => {
      await listener?.end().catch(() => undefined);
      done(report, true);
    }, fail);
});
