// Decides which PostgreSQL server the test run uses. DATABASE_URL (any database on the server)
// wins; without it an embedded server is started for the run and stopped by global-teardown.
// Each test file then creates and drops its own database on that server (test/helpers/db.ts).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

/** Redis for the tests of the shared rate-limit store: TEST_REDIS_URL, or one answering at 127.0.0.1:6379. */
async function findRedis() {
  if (process.env.TEST_REDIS_URL) return;
  const net = await import('node:net');
  const socket = net.connect(6379, '127.0.0.1');
  const answered = await new Promise((resolve) => {
    socket.setTimeout(1000, () => resolve(false));
    socket.on('error', () => resolve(false));
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => resolve(d.toString().startsWith('+PONG')));
  });
  socket.destroy();
  if (answered) process.env.TEST_REDIS_URL = 'redis://127.0.0.1:6379';
  else console.warn('\nNo Redis at 127.0.0.1:6379 (and TEST_REDIS_URL unset): the tests of the Redis rate-limit store are skipped.');
}

export default async function globalSetup() {
  await findRedis();
  if (process.env.DATABASE_URL) {
    process.env.TEST_PG_ADMIN_URL = process.env.DATABASE_URL;
    return;
  }
  const { startEmbeddedPostgres } = await import('../src/db/embedded.mjs');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'advisor-test-pg-'));
  fs.chmodSync(dataDir, 0o777);
  const pg = await startEmbeddedPostgres({ dataDir, persistent: false });
  globalThis.__EMBEDDED_PG__ = { stop: pg.stop, dataDir };
  process.env.TEST_PG_ADMIN_URL = pg.url;
}
