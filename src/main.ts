import 'reflect-metadata';
import pino from 'pino';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { resolveDatabaseUrl } from './db/database';
import { logRedaction } from './log-redact';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const log = pino({ level: config.logLevel, ...logRedaction });
  const db = await resolveDatabaseUrl(config.databaseUrl, config.embeddedPgDir, log);
  const app = await createApp({ config, databaseUrl: db.url, log });
  const url = await app.listen();
  log.info({ graphql: `${url.replace('127.0.0.1', 'localhost')}/graphql` }, 'advisor network API ready');

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    try {
      await app.close();
      await db.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
