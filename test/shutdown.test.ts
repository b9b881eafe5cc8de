/**
 * The production start as an operator runs it: `npm start` (compiled JS under plain node), SIGTERM
 * to the npm process while clients are busy. Readiness must turn 503 first, every request that
 * reached the server must be answered, a request still uploading when the port closes must finish,
 * new connections must then be refused, WebSockets closed with 1001, and the process must exit 0.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { signToken } from '../src/auth/token';
import { loadConfig } from '../src/config';
import { createTestDatabase } from './helpers/db';

const root = path.resolve(__dirname, '..');
const GRACE_MS = 1500;
jest.setTimeout(240_000);

let db: { url: string; drop: () => Promise<void> };
let child: ChildProcess | null = null;
const output: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  if (child && child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
  await db.drop();
});

function startServer(): Promise<string> {
  child = spawn('npm', ['start'], {
    cwd: root,
    detached: true, // its own process group, so a failed test can clean up npm and node together
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      DATABASE_URL: db.url,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        const m = /"graphql":"(http:\/\/[^"]+)\/graphql"/.exec(line);
        if (m) resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    };
    child!.stdout!.on('data', onData);
    child!.stderr!.on('data', onData);
    child!.on('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output.join('\n')}`)));
  });
}

const query = JSON.stringify({ query: '{ pricing { sku priceCents } }' });

describe('npm start and SIGTERM', () => {
  it('drains: readiness 503 first, no request lost, then refuses connections, closes WebSockets with 1001, exits 0', async () => {
    const base = await startServer();
    // npm's child is the compiled server under plain node (the start script execs it), not ts-node or a shell.
    const { stdout: server } = await promisify(execFile)('ps', ['-o', 'args=', '--ppid', String(child!.pid)]);
    expect(server.trim()).toBe('node dist/src/main.js');
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));

    // A subscriber's socket, open before the signal.
    const token = await signToken(
      { sub: '00000000-0000-4000-8000-00000000000a', email: 'ws@example.com', roles: ['client'] },
      loadConfig({}).auth.jwtSecret,
    );
    const ws = new WebSocket(`${base.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const wsClosed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
      ws.on('message', (m) => (JSON.parse(m.toString()).type === 'connection_ack' ? resolve() : reject(new Error(m.toString()))));
    });

    // Load: 8 clients with keep-alive connections, as a load balancer would send it. They stop
    // sending new requests a little after readiness reports 503 (the balancer noticing).
    const outcomes = { ok: 0, closeHeader: 0, failed: [] as string[] };
    let stopLoad = false;
    const client = async () => {
      while (!stopLoad) {
        try {
          const r = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query });
          const body = (await r.json()) as { data?: { pricing?: unknown[] } };
          if (r.status === 200 && body.data?.pricing?.length === 3) outcomes.ok++;
          else outcomes.failed.push(`${r.status} ${JSON.stringify(body)}`);
          if (r.headers.get('connection') === 'close') outcomes.closeHeader++;
        } catch (err) {
          outcomes.failed.push(String((err as Error).cause ?? err));
          if (outcomes.failed.length > 20) stopLoad = true;
        }
      }
    };
    const load = Array.from({ length: 8 }, client);
    const warm = Date.now();
    while (outcomes.ok < 20 && outcomes.failed.length === 0 && Date.now() - warm < 20_000) await new Promise((r) => setTimeout(r, 20));
    const beforeSignal = outcomes.ok;

    // Readiness, polled on fresh connections as a probe does.
    const readiness: { at: number; status: number | string }[] = [];
    let pollReadiness = true;
    const poller = (async () => {
      while (pollReadiness) {
        try {
          const r = await fetch(`${base}/readyz`);
          readiness.push({ at: Date.now(), status: r.status });
          await r.arrayBuffer();
        } catch (err) {
          readiness.push({ at: Date.now(), status: String(((err as Error).cause as { code?: string })?.code ?? err) });
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();

    const signalledAt = Date.now();
    process.kill(child!.pid!, 'SIGTERM'); // to npm, as a container runtime would
    const first503 = await (async () => {
      while (Date.now() - signalledAt < 5000) {
        const hit = readiness.find((r) => r.at > signalledAt && r.status === 503);
        if (hit) return hit.at;
        await new Promise((r) => setTimeout(r, 10));
      }
      stopLoad = true;
      pollReadiness = false;
      throw new Error(`readiness never answered 503: ${JSON.stringify(readiness.slice(-5))}\n${output.join('\n')}`);
    })();
    expect(first503 - signalledAt).toBeLessThan(1000);

    // A request whose body is still arriving when the port closes must still be answered.
    const slow = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(query) },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.on('error', reject);
      req.write(query.slice(0, 10));
      setTimeout(() => req.end(query.slice(10)), GRACE_MS + 500);
    });

    await new Promise((r) => setTimeout(r, 500)); // the balancer's probe interval
    stopLoad = true;
    await Promise.all(load);
    const duringGrace = outcomes.ok - beforeSignal;

    // After the grace period the port is closed: new connections are refused.
    await new Promise((r) => setTimeout(r, Math.max(0, signalledAt + GRACE_MS + 300 - Date.now())));
    const refused = await fetch(`${base}/healthz`).then(
      (r) => `answered ${r.status}`,
      (err) => (err.cause as { code?: string })?.code ?? String(err),
    );
    pollReadiness = false;
    await poller;

    const slowResult = await slow;
    expect(await wsClosed).toBe(1001);
    expect(await exited).toBe(0);

    expect(outcomes.failed).toEqual([]);
    expect(beforeSignal).toBeGreaterThanOrEqual(20);
    expect(duringGrace).toBeGreaterThan(10); // served after the signal, while draining
    expect(outcomes.closeHeader).toBeGreaterThan(0); // keep-alive clients were told to reconnect
    expect(slowResult.status).toBe(200);
    expect(JSON.parse(slowResult.body).data.pricing).toHaveLength(3);
    expect(refused).toBe('ECONNREFUSED');
    // Readiness said 503 before any connection was refused, and never 200 again after its first 503.
    const afterSignal = readiness.filter((r) => r.at > signalledAt);
    const firstNot200 = afterSignal.find((r) => r.status !== 200);
    expect(firstNot200?.status).toBe(503);
    const i503 = afterSignal.indexOf(firstNot200!);
    expect(afterSignal.slice(i503).some((r) => r.status === 200)).toBe(false);
    expect(output.join('\n')).toMatch(/"msg":"shut down"/);
  });

  it('stops with one line naming a bad variable, no stack trace', async () => {
    const run = promisify(execFile);
    await run(process.execPath, ['scripts/build-if-stale.mjs'], { cwd: root }); // built already when the test above ran
    const cases: [Record<string, string>, RegExp][] = [
      [
        { LOG_LEVEL: 'loud' },
        /^Configuration error: LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"\n$/,
      ],
      [{ DATABASE_URL: 'notaurl' }, /^Configuration error: DATABASE_URL must be a PostgreSQL URL such as .*, got "notaurl"\n$/],
      [{ PAYMENT_EXPIRY_MINUTES: '-1' }, /^Configuration error: PAYMENT_EXPIRY_MINUTES must be a positive number of minutes.*\n$/],
    ];
    await Promise.all(
      cases.map(async ([env, message]) => {
        const result = await run(process.execPath, ['dist/src/main.js'], { cwd: root, env: { PATH: process.env.PATH, ...env } }).then(
          () => ({ code: 0, stderr: '' }),
          (err: { code: number; stderr: string }) => err,
        );
        expect(result.code).toBe(1);
        expect(result.stderr).toMatch(message);
      }),
    );
  });
});
