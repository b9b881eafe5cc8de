import 'reflect-metadata';
import { createApp, type App } from './app';
import type { Logger } from 'pino';
import { ConfigError, loadConfig, type Config } from './config';
import { resolveDatabaseUrl } from './db/database';
import { formatTokens, holdsOnlyDemoData, seedDemo } from './demo/seed';
import { createLogger } from './logging';

async function main(): Promise<void> {
  const demo = process.argv.includes('--demo');
  if (demo && process.env.NODE_ENV === 'production') {
    process.stderr.write('Configuration error: --demo (demo data) is refused in production (NODE_ENV=production)\n');
    process.exit(1);
  }
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
  const log = createLogger(config.logLevel);
  const db = await resolveDatabaseUrl(config.databaseUrl, config.embeddedPgDir, log);
  const app = await createApp({ config, databaseUrl: db.url, log });
  const url = await app.listen();
  if (demo) await seedOnStart(app, url, config, log);
  log.info({ graphql: `${url.replace('127.0.0.1', 'localhost')}/graphql` }, 'advisor network API ready');

  /**
   * Graceful shutdown, for a load balancer in front: /readyz answers 503 at once while requests are
   * still served for SHUTDOWN_GRACE_MS (long enough for the balancer to notice); then the port
   * closes (new connections are refused), WebSockets close with 1001, in-flight requests and
   * running jobs finish, and the process exits 0 (or 1 after SHUTDOWN_GRACE_MS + 15 s at the latest).
   * Repeated signals are ignored: under `npm start` each signal arrives twice (npm forwards it too).
   */
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.http.drain();
    const graceMs = config.shutdownGraceMs;
    log.info({ signal, graceMs }, 'shutting down: /readyz answers 503; closing the port after the grace period');
    const force = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, graceMs + 15_000);
    force.unref();
    let code = 0;
    try {
      await new Promise((resolve) => setTimeout(resolve, graceMs));
      await app.close();
      await db.stop();
      log.info('shut down');
    } catch (err) {
      log.error({ err }, 'shutdown failed');
      code = 1;
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** `npm start -- --demo`: demo data in an empty development database, and a token per role on stdout. */
async function seedOnStart(app: App, url: string, config: Config, log: Logger): Promise<void> {
  if (!(await holdsOnlyDemoData(app))) {
    log.warn('--demo: the database holds data of its own; no demo data added (npm run seed adds it anyway)');
    return;
  }
  const result = await seedDemo({ app, baseUrl: url, config, log });
  process.stdout.write(`Demo data ready. ${formatTokens(result, config)}`);
}

main().catch((err) => {
  // One line an operator can act on; the stack only when asked for (LOG_LEVEL=debug or trace).
  const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
  const verbose = /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') && err instanceof Error;
  process.stderr.write(`Failed to start: ${message}\n${verbose ? `${err.stack}\n` : ''}`);
  process.exit(1);
});
