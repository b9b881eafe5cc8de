/**
 * Production start-up as an operator runs it (`node dist/src/main.js`, NODE_ENV=production): time
 * from spawn to the "ready" log line, and resident memory after idling, beside plain node starting
 * an empty HTTP server the same way. Each is the median of `runs` starts.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.join(__dirname, '..');

export interface StartupFigure {
  readyMs: number;
  idleRssMiB: number;
  runs: { readyMs: number; idleRssMiB: number }[];
}

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

async function startOnce(args: string[], env: NodeJS.ProcessEnv, readyText: string, idleMs: number) {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const readyMs = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${readyText}" within 60 s: ${out.slice(-500)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes(readyText)) {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready: ${out.slice(-500)}`)));
  });
  await new Promise((r) => setTimeout(r, idleMs));
  const idleRssMiB = process.platform === 'linux' ? rssMiB(child.pid!) : NaN;
  child.removeAllListeners('exit');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  return { readyMs: Math.round(readyMs), idleRssMiB };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(args: string[], env: NodeJS.ProcessEnv, readyText: string, runs: number, idleMs: number): Promise<StartupFigure> {
  const all = [];
  for (let i = 0; i < runs; i++) all.push(await startOnce(args, env, readyText, idleMs));
  return { readyMs: median(all.map((r) => r.readyMs)), idleRssMiB: median(all.map((r) => r.idleRssMiB)), runs: all };
}

/** The server as production runs it, on `databaseUrl` (already migrated), and the plain-node anchor. */
export async function measureStartup(databaseUrl: string, runs = 3, idleMs = 5_000) {
  // What `npm start` does first: compile when dist is missing or stale.
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build-if-stale.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) throw new Error('the build failed');
  const secret = 'bench-only-secret-0123456789abcdef0123456789';
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    AUTH_JWT_SECRET: secret,
    EMAIL_LINK_SECRET: secret,
    // Production refuses to start without these; nothing calls Stripe or sends mail at start-up.
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_WEBHOOK_SECRET: 'whsec_bench',
    CALCOM_WEBHOOK_SECRET: 'bench',
    EMAIL_TRANSPORT: 'log',
    SHUTDOWN_GRACE_MS: '0',
  };
  const server = await measure([path.join('dist', 'src', 'main.js')], env, 'advisor network API ready', runs, idleMs);
  const plain = await measure(
    ['-e', "require('node:http').createServer((q, s) => s.end()).listen(0, '127.0.0.1', () => console.log('ready'))"],
    { PATH: process.env.PATH },
    'ready',
    runs,
    idleMs,
  );
  return { server, plain };
}
