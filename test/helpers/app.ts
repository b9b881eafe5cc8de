import { randomUUID } from 'node:crypto';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import type { DestinationStream } from 'pino';
import { createApp, type App } from '../../src/app';
import { signToken, type Claims } from '../../src/auth/token';
import { OPERATOR } from '../../src/common/actor';
import { loadConfig, type Config } from '../../src/config';
import { createLogger, currentLogScope } from '../../src/logging';
import type { Role } from '../../src/modules/user/user.entity';
import { LogTransport } from '../../src/modules/notifications/notification.service';
import { openDatabase } from '../../src/db/database';
import { RoleService } from '../../src/modules/user/role.service';
import { GrantedRole } from '../../src/modules/user/user-role.entity';
import { UserService } from '../../src/modules/user/user.service';
import type { StripeSimulator } from '../../src/payments/stripe-simulator';
import { createTestDatabase } from './db';

export interface TestUser {
  id: string;
  email: string;
  givenName: string;
  familyName: string;
  roles: Role[];
  token: string;
}

export interface ScopedStatement {
  sql: string;
  reqId: string | null;
  task: string | null;
}

export interface GqlResult<T> {
  status: number;
  data: T | null | undefined;
  errors: { message: string; path?: (string | number)[]; extensions?: Record<string, unknown> }[] | undefined;
}

export interface TestApp {
  app: App;
  url: string;
  config: Config;
  databaseUrl: string;
  emails: LogTransport;
  stripe: StripeSimulator;
  /** Statements sent to PostgreSQL by the ORM since the last reset. */
  statements: string[];
  /** The same statements with the request (reqId) or job (task) that sent each, since the last reset. */
  scopedStatements: ScopedStatement[];
  user(opts?: { roles?: Role[]; givenName?: string; familyName?: string }): Promise<TestUser>;
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables?: V, token?: string): Promise<GqlResult<R>>;
  raw(body: unknown, headers?: Record<string, string>): Promise<{ status: number; json: any; text: string }>;
  close(): Promise<void>;
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: {
    databaseUrl?: string;
    /** Send emails as configured (SMTP_URL, EMAIL_DIR) instead of into `emails`. */
    realEmail?: boolean;
    /** Where the app's log lines go (tests that read them). */
    logStream?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const db = opts.databaseUrl ? { url: opts.databaseUrl, drop: async () => {} } : await createTestDatabase();
  // Rate limits are off unless a test turns them on (production refuses them off, so they stay on there).
  const limits = env.NODE_ENV === 'production' ? {} : { RATE_LIMITS: 'off' };
  // Likewise the unpaid-hold limit: tests book many holds for one client unless a test sets it (hardening-holds).
  const holds = { BOOKING_MAX_UNPAID_HOLDS: '1000' };
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: db.url,
    ...limits,
    ...holds,
    ...env,
  });
  const log = createLogger(config.logLevel, opts.logStream);
  const emails = new LogTransport(log);
  const statements: string[] = [];
  const scopedStatements: ScopedStatement[] = [];
  const app = await createApp({
    config,
    databaseUrl: db.url,
    log,
    emailTransport: opts.realEmail ? undefined : emails,
    orm: {
      onQuery: (sql: string) => {
        statements.push(sql);
        const scope = currentLogScope();
        scopedStatements.push({ sql, reqId: scope?.reqId ?? null, task: scope?.task ?? null });
        return sql;
      },
    },
  });
  const url = await app.listen(0, '127.0.0.1');

  const raw = async (body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let json: any = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, json, text };
  };

  return {
    app,
    url,
    config,
    databaseUrl: db.url,
    emails,
    stripe: app.stripeSimulator!,
    statements,
    scopedStatements,
    async user({ roles = ['client'] as Role[], givenName = 'Test', familyName = 'Person' } = {}) {
      const id = randomUUID();
      const email = `${givenName.toLowerCase()}.${id.slice(0, 8)}@example.com`;
      const { issuer, audience } = config.security.auth;
      const token = await signToken({ sub: id, email, givenName, familyName, roles }, config.auth.jwtSecret, '12h', { issuer, audience });
      // A token makes nobody an admin: an "admin" test user is granted the role in the database, as the operator would.
      if (roles.includes('admin')) await grantAdmin(app, { sub: id, email, givenName, familyName, roles });
      return { id, email, givenName, familyName, roles, token };
    },
    async gql(doc, variables, token) {
      const res = await raw({ query: print(doc), variables }, token ? { authorization: `Bearer ${token}` } : {});
      return { status: res.status, data: res.json?.data, errors: res.json?.errors };
    },
    raw,
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

/**
 * Makes a user an admin through RoleService.grant, as `npm run admin:grant` does; their users row
 * is written first from their claims, as their first request would.
 */
export async function grantAdmin(app: App, claims: Claims): Promise<void> {
  await app.services.users.syncFromClaims(app.services.orm.em.fork(), claims);
  await app.services.roles.grant(OPERATOR, claims.sub, GrantedRole.ADMIN, 'test user');
}

/** grantAdmin for a server in another process: through the same services, on its database. */
export async function grantAdminInDatabase(databaseUrl: string, claims: Claims): Promise<void> {
  const orm = await openDatabase(databaseUrl, { migrate: false, log: createLogger('silent') });
  try {
    await new UserService().syncFromClaims(orm.em.fork(), claims);
    await new RoleService({ em: () => orm.em.fork() }).grant(OPERATOR, claims.sub, GrantedRole.ADMIN, 'test user');
  } finally {
    await orm.close();
  }
}

/** The error code of the first error, or undefined. */
export const codeOf = (r: GqlResult<unknown>) => r.errors?.[0]?.extensions?.code as string | undefined;
