/**
 * Migrations through MikroORM's migrator (what the `mikro-orm` CLI runs), without needing a
 * database to be configured first:
 *   up      apply pending migrations to the app's database (DATABASE_URL or the embedded one)
 *   create  generate a migration from the entity diff, computed on a scratch database
 *   check   exit 1 when the entities and the migrations disagree (CI)
 * create and check run on a throw-away database so the answer never depends on a dev database.
 */
import 'reflect-metadata';
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { MikroORM } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config';
import { openDatabase, resolveDatabaseUrl } from '../src/db/database';
import { ormOptions } from '../src/db/mikro-orm.config';
import { createDatabase, dropDatabase } from '../src/db/scratch';

const log = pino({ level: 'info' });

async function withScratchDatabase<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advisor-migrate-'));
  const server = await resolveDatabaseUrl(config.databaseUrl, dir, log);
  const name = `migrate_${randomBytes(4).toString('hex')}`;
  try {
    return await fn(await createDatabase(server.url, name));
  } finally {
    await dropDatabase(server.url, name);
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const cmd = process.argv[2];
  if (cmd === 'up') {
    const config = loadConfig();
    const server = await resolveDatabaseUrl(config.databaseUrl, config.embeddedPgDir, log);
    const orm = await openDatabase(server.url, { migrate: true, log });
    await orm.close();
    await server.stop();
    return;
  }
  if (cmd === 'create' || cmd === 'check') {
    const code = await withScratchDatabase(async (url) => {
      const orm = await MikroORM.init(ormOptions(url));
      try {
        const migrator = orm.getMigrator();
        await migrator.up();
        if (cmd === 'check') {
          const needed = await migrator.checkMigrationNeeded();
          if (needed) {
            const diff = await migrator.createMigration(undefined, true);
            log.error({ up: diff.diff.up }, 'entities and migrations disagree: run `npm run migration:create`');
            return 1;
          }
          log.info('migrations match the entities');
          return 0;
        }
        const initial = (await migrator.getExecutedMigrations()).length === 0;
        const result = await migrator.createMigration(undefined, false, initial, process.argv[3]);
        if (!result.fileName) log.info('no changes: nothing to generate');
        else log.info({ file: result.fileName }, 'migration created');
        return 0;
      } finally {
        await orm.close();
      }
    });
    process.exitCode = code;
    return;
  }
  console.error('usage: ts-node scripts/migrate.ts up|create [name]|check');
  process.exitCode = 2;
}

main().catch((err) => {
  log.error(err);
  process.exit(1);
});
