import { Client } from 'pg';

/**
 * Creating and dropping whole databases on a PostgreSQL server: the app's own on an embedded
 * server, a scratch one per test file, and the throw-away one `npm run migration:check` diffs on.
 * `serverUrl` is any database URL on the server; the statements run from its `postgres` database.
 */

/** The URL of database `name` on the server of `serverUrl`. */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: databaseUrl(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates database `name` (a name of our own making: letters, digits and _) and returns its URL. */
export async function createDatabase(serverUrl: string, name: string, opts: { ifMissing?: boolean } = {}): Promise<string> {
  if (!/^\w+$/.test(name)) throw new Error(`not a database name of ours: ${name}`);
  await onServer(serverUrl, async (client) => {
    if (opts.ifMissing) {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount) return;
    }
    await client.query(`create database "${name}"`);
  });
  return databaseUrl(serverUrl, name);
}

/** Drops database `name`, closing its connections. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  if (!/^\w+$/.test(name)) throw new Error(`not a database name of ours: ${name}`);
  await onServer(serverUrl, (client) => client.query(`drop database if exists "${name}" with (force)`));
}
