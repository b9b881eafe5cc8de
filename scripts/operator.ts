/**
 * What the operator's commands (check:ledger, admin:grant) share: the configuration, the database
 * the server would use (DATABASE_URL, or the embedded one), refused when it lacks migrations, and
 * exit codes: the command's own, or 2 with one line when it cannot run.
 */
import pino from 'pino';
import type { MikroORM } from '@mikro-orm/postgresql';
import { ConfigError, loadConfig, type Config } from '../src/config';
import { openDatabase, resolveDatabaseUrl } from '../src/db/database';

/** The command cannot run at all (bad arguments, configuration, database): exit 2 with its message. */
export class CannotRun extends Error {}

export function operatorConfig(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) throw new CannotRun(`configuration error: ${err.message}`);
    throw err;
  }
}

/** Runs `fn` on the server's database; the server migrates, so a database that lacks migrations is refused. */
export async function withServerDatabase<T>(config: Config, fn: (orm: MikroORM) => Promise<T>): Promise<T> {
  const log = pino({ level: 'warn' }, pino.destination(2));
  let db;
  try {
    db = await resolveDatabaseUrl(config.databaseUrl, config.embeddedPgDir, log);
  } catch (err) {
    throw new CannotRun(
      `cannot start the embedded PostgreSQL in ${config.embeddedPgDir} (${(err as Error).message}); if the server is running, set DATABASE_URL to its database`,
    );
  }
  const orm = await openDatabase(db.url, { migrate: false, log });
  try {
    const pending = await orm.getMigrator().getPendingMigrations();
    if (pending.length)
      throw new CannotRun(`the database lacks ${pending.length} migration(s): start the server or run npm run migration:up`);
    return await fn(orm);
  } finally {
    await orm.close();
    await db.stop();
  }
}

/** Exits with what `main` returns; 2 when it cannot run or fails unexpectedly. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err) => {
      if (err instanceof CannotRun) {
        process.stderr.write(`${err.message}\n`);
        process.exit(2);
      }
      process.stderr.write(`${name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(2);
    },
  );
}
