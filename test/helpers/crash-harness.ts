import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { StripeState } from './money-invariants';

/** Processes for the crash test: the Stripe simulator and the API server, each in its own process. */

const ROOT = path.resolve(__dirname, '..', '..');
// ts-node with SWC: a server process starts in about 3 s (the type-checking compiler: 7 s).
const TS_NODE = require.resolve('ts-node/dist/bin.js');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface SimProcess {
  url: string;
  port: number;
  setWebhookTarget(url: string, secret: string): Promise<void>;
  dump(): Promise<StripeState>;
  stop(): Promise<void>;
}

export async function startSimulatorProcess(): Promise<SimProcess> {
  const child = fork(TS_NODE, ['--swc', path.join(__dirname, 'stripe-sim-process.ts')], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let next = 1;
  const pending = new Map<number, (m: any) => void>();
  const ready = new Promise<{ url: string; port: number }>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the simulator process exited (${code})`)));
    child.on('message', (m: any) => {
      if (m.type === 'ready') resolve(m);
      else if (typeof m.id === 'number') {
        pending.get(m.id)?.(m);
        pending.delete(m.id);
      }
    });
  });
  const { url, port } = await ready;
  const ask = (m: object) =>
    new Promise<any>((resolve, reject) => {
      if (!child.connected) return reject(new Error('the simulator process is gone'));
      const id = next++;
      pending.set(id, resolve);
      child.send({ ...m, id }, (err) => {
        if (err) reject(err);
      });
    });
  return {
    url,
    port,
    async setWebhookTarget(target, secret) {
      await ask({ type: 'webhook', url: target, secret });
    },
    async dump() {
      const m = await ask({ type: 'dump' });
      return { paymentIntents: m.paymentIntents, refunds: m.refunds };
    },
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.disconnect();
      await exited;
    },
  };
}

export interface ServerProcess {
  pid: number;
  /** Resolves when the process is gone, with the signal that ended it (SIGKILL for a crash). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** kill -9 */
  kill(): void;
}

/** Starts `src/main.ts` as production would run it, and waits until it answers GraphQL (or dies trying). */
export async function startServerProcess(env: Record<string, string>, logFile: string): Promise<ServerProcess & { ready: boolean }> {
  const log = fs.openSync(logFile, 'a');
  fs.writeSync(log, `\n----- start ${new Date().toISOString()} ${env.CRASH_AT ?? ''}\n`);
  const child: ChildProcess = spawn(process.execPath, [TS_NODE, '--swc', 'src/main.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    }),
  );
  const server = {
    pid: child.pid!,
    exited,
    alive: () => !gone,
    kill: () => {
      if (!gone) process.kill(child.pid!, 'SIGKILL');
    },
  };
  const url = `http://127.0.0.1:${env.PORT}/graphql`;
  const deadline = Date.now() + 60_000;
  while (!gone && Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"query":"{ __typename }"}',
        signal: AbortSignal.timeout(2_000),
      });
      if (res.ok) return { ...server, ready: true };
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!gone) {
    server.kill();
    throw new Error(`the server did not start within 60 s; see ${logFile}`);
  }
  return { ...server, ready: false };
}
