import { randomBytes } from 'node:crypto';
import { createDatabase, dropDatabase } from '../../src/db/scratch';

function adminUrl(): string {
  const url = process.env.TEST_PG_ADMIN_URL;
  if (!url) throw new Error('TEST_PG_ADMIN_URL is unset: run the tests through jest (test/global-setup.mjs)');
  return url;
}

/** A fresh, empty database for one test file on the run's PostgreSQL server. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const server = adminUrl();
  const name = `test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  return { url: await createDatabase(server, name), drop: () => dropDatabase(server, name) };
}
