/**
 * Demo data for development: `npm run seed` (see src/demo/seed.ts for what it creates). Uses
 * DATABASE_URL like the server (without it, the embedded PostgreSQL in .data/pg), starts the app
 * on a free local port for the length of the run, seeds through it and prints a signed token per
 * role. Safe to run again: nothing is duplicated. Refused in production.
 */
import 'reflect-metadata';
import { createApp } from '../src/app';
import { ConfigError, loadConfig } from '../src/config';
import { resolveDatabaseUrl } from '../src/db/database';
import { formatTokens, seedDemo } from '../src/demo/seed';
import { createLogger } from '../src/logging';

async function main(): Promise<void> {
  if (process.env.NODE_ENV === 'production') throw new Error('npm run seed is refused in production (NODE_ENV=production)');
  const config = loadConfig({ LOG_LEVEL: 'warn', ...process.env });
  const log = createLogger(config.logLevel);
  const db = await resolveDatabaseUrl(config.databaseUrl, config.embeddedPgDir, log);
  const app = await createApp({ config, databaseUrl: db.url, log });
  try {
    const baseUrl = await app.listen(0, '127.0.0.1');
    const result = await seedDemo({ app, baseUrl, config, log });
    const c = result.created;
    process.stdout.write(
      c.advisors + c.consultations + c.reviews + c.payouts
        ? `Demo data created: ${c.advisors} advisors, ${c.consultations} consultations, ${c.reviews} reviews, ${c.payouts} payouts.\n`
        : 'Demo data was there already: nothing added.\n',
    );
    process.stdout.write(formatTokens(result, config));
  } finally {
    await app.close();
    await db.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err instanceof ConfigError ? 'Configuration error: ' : 'Seed failed: '}${err.message}\n`);
  process.exit(1);
});
