import { MikroORM, type Options } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ormOptions } from './mikro-orm.config';

export interface Database {
  orm: MikroORM;
  url: string;
  close(): Promise<void>;
}

interface EmbeddedModule {
  startEmbeddedPostgres(opts: {
    dataDir: string;
    persistent: boolean;
    port?: number;
    onLog?: (m: string) => void;
  }): Promise<{ url: string; dataDir: string; stop: () => Promise<void> }>;
}

// A real dynamic import that TypeScript's CommonJS output would otherwise turn into require().
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<EmbeddedModule>;

/**
 * Resolves the database: DATABASE_URL when set, otherwise an embedded PostgreSQL kept in
 * `embeddedDir`, so `npm start` works on a bare machine.
 */
export async function resolveDatabaseUrl(
  databaseUrl: string | undefined,
  embeddedDir: string,
  log: Logger,
): Promise<{ url: string; stop: () => Promise<void> }> {
  if (databaseUrl) return { url: databaseUrl, stop: async () => {} };
  const { startEmbeddedPostgres } = await importEsm(require.resolve('./embedded.mjs'));
  const pg = await startEmbeddedPostgres({ dataDir: embeddedDir, persistent: true });
  log.warn({ dir: pg.dataDir }, 'DATABASE_URL is unset: started an embedded PostgreSQL (development only)');
  const base = new URL(pg.url);
  base.pathname = '/advisor_network';
  await ensureDatabase(pg.url, 'advisor_network');
  return { url: base.toString(), stop: pg.stop };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
}

export async function openDatabase(url: string, opts: { migrate: boolean; log: Logger; extra?: Partial<Options> }): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(url, opts.extra));
  if (opts.migrate) {
    const applied = await orm.getMigrator().up();
    if (applied.length) opts.log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}
