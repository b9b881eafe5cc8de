import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * One of our scripts (scripts/<name>.ts) as an operator runs it with `npm run`, with only the
 * environment given here for the database and Stripe (the test runner's own is left out).
 */
export function runScript(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  for (const name of ['STRIPE_SECRET_KEY', 'STRIPE_API_BASE', 'DATABASE_URL', 'NODE_ENV']) delete base[name];
  const child = spawn(process.execPath, [require.resolve('ts-node/dist/bin.js'), '--transpile-only', `scripts/${script}`, ...args], {
    cwd: ROOT,
    env: { ...base, LOG_LEVEL: 'silent', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
