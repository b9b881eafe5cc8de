import type { Runner } from 'graphile-worker';
import type { MikroORM, Options } from '@mikro-orm/postgresql';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { openDatabase } from './db/database';
import { startJobs } from './jobs';
import { LogTransport, type EmailTransport } from './modules/notifications/notification.service';
import { createSchema } from './schema';
import { createHttpServer, type HttpServer } from './server';
import { createServices, type Services } from './services';

export interface AppOptions {
  config: Config;
  databaseUrl: string;
  log?: Logger;
  emailTransport?: EmailTransport;
  /** Extra MikroORM options (tests count statements with `onQuery`). */
  orm?: Partial<Options>;
}

export interface App {
  services: Services;
  http: HttpServer;
  jobs: Runner;
  /** Starts listening; returns the base URL, e.g. http://127.0.0.1:4000. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Wires database, services, job queue and HTTP/WebSocket server; used by main.ts and the tests. */
export async function createApp(opts: AppOptions): Promise<App> {
  const { config } = opts;
  const log = opts.log ?? pino({ level: config.logLevel });
  const orm: MikroORM = await openDatabase(opts.databaseUrl, { migrate: config.runMigrations, log, extra: opts.orm });
  const services = createServices({ config, log, orm, emailTransport: opts.emailTransport ?? new LogTransport(log) });
  const jobs = await startJobs(services, opts.databaseUrl);
  const schema = await createSchema();
  const http = await createHttpServer(services, schema);

  let closed = false;
  return {
    services,
    http,
    jobs,
    async listen(port = config.port, host = config.host) {
      await http.fastify.listen({ port, host });
      const addr = http.fastify.server.address();
      const actualPort = typeof addr === 'object' && addr ? addr.port : port;
      return `http://127.0.0.1:${actualPort}`;
    },
    async close() {
      if (closed) return;
      closed = true;
      await http.fastify.close();
      await jobs.stop();
      await orm.close();
    },
  };
}
