// Decides which PostgreSQL server the test run uses. DATABASE_URL (any database on the server)
// wins; without it an embedded server is started for the run and stopped by global-teardown.
// Each test file then creates and drops its own database on that server (test/helpers/db.ts).
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

export default async function globalSetup() {
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
