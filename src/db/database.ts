import fs from 'node:fs';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { ormOptions } from './mikro-orm.config';
import { createDatabase } from './scratch';

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
  const url = await createDatabase(pg.url, 'advisor_network', { ifMissing: true });
  return { url, stop: pg.stop };
}

export async function openDatabase(url: string, opts: { migrate: boolean; log: Logger; extra?: Partial<Options> }): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(url, opts.extra));
  if (opts.migrate && (await hasPendingMigrations(orm))) {
    // MikroORM loads @mikro-orm/migrations on first use: a start with nothing to apply never loads
    // it (and umzug's CLI packages behind it), ~5 MiB and ~50 ms of every production start.
    const applied = await orm.getMigrator().up();
    if (applied.length) opts.log.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
  return orm;
}

/** Whether a migration file has no row in the migrations table yet (or the table is missing). */
async function hasPendingMigrations(orm: MikroORM): Promise<boolean> {
  const { path: dir, tableName } = orm.config.get('migrations');
  const files = fs
    .readdirSync(dir!)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => f.replace(/\.(js|ts)$/, ''));
  const exists = await orm.em.getConnection().execute<{ t: string | null }[]>('select to_regclass(?) as t', [tableName]);
  if (!exists[0]?.t) return files.length > 0;
  const rows = await orm.em.getConnection().execute<{ name: string }[]>(`select name from "${tableName}"`);
  const applied = new Set(rows.map((r) => r.name));
  return files.some((f) => !applied.has(f));
}
