import { randomUUID } from 'node:crypto';
import { unauthenticated } from './common/errors';
import type http from 'node:http';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  execute,
  getOperationAST,
  specifiedRules,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { tokenDeadline } from './auth/token';
import { Context, type Viewer } from './context';
import { formatError } from './graphql/errors';
import { isVariableError, operationRules, parseDocument, stripSuggestions } from './graphql/armor';
import { isAsyncIterable, operationKey, subscribeShared } from './graphql/shared-subscribe';
import { withLogScope } from './logging';
import { clientIpOf, rateLimitedError } from './http/rate-limit';
import { createContext, withGrantedRoles } from './server';
import type { Services } from './services';

/**
 * Close codes the server uses. 4403 "Forbidden" is the protocol's code for a refused connection,
 * and graphql-ws clients retry after it: a client whose connectionParams is a function that reads
 * the current token reconnects with a fresh one (4401 would be fatal to them: no retry at all).
 * 1001 on shutdown is retried too, so clients move to another instance and resubscribe.
 */
export const WS_CLOSE = {
  forbidden: 4403,
  /** Over a rate limit or the per-user connection cap; graphql-ws clients do not retry it. */
  tooMany: 4429,
  internalError: 4500,
  goingAway: 1001,
} as const;

/** What one authenticated connection carries to each of its operations. */
interface ConnectionState {
  viewer: Viewer;
  connectionId: string;
  log: Logger;
  expiryTimer: NodeJS.Timeout;
  /** The client's address, for the per-IP limits. */
  ip: string;
  /** This connection counts against its user's WS_MAX_CONNECTIONS_PER_USER. */
  holdsConnection: boolean;
  /** Ids of its operations that count against WS_MAX_SUBSCRIPTIONS_PER_USER until they complete. */
  subscriptions: Set<string>;
}

export interface WebSocketHandle {
  /** Subscription operations currently streaming. */
  readonly activeSubscriptions: number;
  /**
   * Resolves once at least `count` subscriptions are live on this server: their event source is
   * registered, so an event committed from now on reaches them. graphql-ws tells the client nothing
   * at that point, which is why tests that subscribe and then mutate wait on this.
   */
  waitForSubscribers(count: number, timeoutMs?: number): Promise<void>;
  /** Closes every socket with 1001, ends their operations, and stops accepting upgrades. */
  close(): Promise<void>;
}

const MAX_TIMER_MS = 2_147_483_647;

/** graphql-ws reports these without a code; Apollo gives them one, and clients must see the same over both. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

function bearerHeader(params: Readonly<Record<string, unknown>> | undefined): string | null {
  const raw = params?.authorization ?? params?.Authorization;
  if (typeof raw !== 'string' || raw.trim() === '') return null;
  const value = raw.trim();
  return /^bearer\s/i.test(value) ? value : `Bearer ${value}`;
}

function reqIdOf(args: ExecutionArgs): string | undefined {
  return args.contextValue instanceof Context ? args.contextValue.requestId : undefined;
}

const eventContext = (c: unknown) => (c instanceof Context ? c.forEvent() : c);

/**
 * Serves graphql-ws (the graphql-transport-ws protocol) at /graphql on the HTTP server's own port.
 *
 * Authentication happens once, at `connection_init`: `connectionParams.authorization` carries
 * `Bearer <jwt>` or the bare jwt. A missing, refused or expired token closes the socket with 4403
 * "Forbidden" before any operation can run; an open socket is closed with 4403 "Token expired" at
 * its token's `exp`, so a client reconnects with a fresh token and resubscribes. Each operation then gets a Context of its own (a fresh EntityManager fork) for the
 * viewer verified at connect time. Each event of a subscription executes with a copy of it
 * (`Context.forEvent`: new EntityManager and loaders), once for all subscribers that sent the same
 * operation as the same viewer (src/graphql/shared-subscribe.ts): a resolver sees the event's
 * viewer, never another subscriber's, and must not depend on anything else of the connection.
 *
 * Apollo's validation rules do not run here, so the same depth/cost limits (and the introspection
 * switch) are applied in `onSubscribe`, and every error goes through `formatError`, so codes match HTTP.
 */
export function attachWebSocket(opts: {
  httpServer: http.Server;
  schema: GraphQLSchema;
  services: Services;
  path?: string;
}): WebSocketHandle {
  const { httpServer, schema, services } = opts;
  const { config } = services;
  const log = services.log.child({ transport: 'ws' });

  const rules: ValidationRule[] = [...specifiedRules, ...operationRules(config.graphql)];
  if (!config.graphql.introspection) rules.push(NoSchemaIntrospectionCustomRule);

  const limits = services.limits;
  const wss = new WebSocketServer({
    server: httpServer,
    path: opts.path ?? '/graphql',
    maxPayload: config.graphql.bodyLimitBytes,
    // New connections per IP are counted at the upgrade, where a refusal can still be an HTTP 429.
    verifyClient: (info, done) => {
      if (!limits.enabled) return done(true);
      void limits
        .hit('wsConnectsPerIp', clientIpOf(info.req, config.security.trustProxy))
        .then((d) => (d.allowed ? done(true) : done(false, 429, 'Too Many Requests', { 'retry-after': String(d.retryAfter) })));
    },
  });

  // The text each operation was parsed from: subscribers sending the same text (and variables) share results.
  const sources = new WeakMap<DocumentNode, string>();
  const shareKey = (args: ExecutionArgs): string | null => {
    const query = sources.get(args.document);
    const viewer = args.contextValue instanceof Context ? args.contextValue.viewer : null;
    return query === undefined || !viewer ? null : operationKey(query, args.operationName, args.variableValues, viewer);
  };

  const active = new Set<string>();
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const check of [...waiters]) check();
  };

  const format = (error: GraphQLError, logger: Logger): GraphQLFormattedError => {
    // As over HTTP: Apollo codes variable errors BAD_USER_INPUT and, in production, drops suggestions.
    if (isVariableError(error)) error = withCode(error, 'BAD_USER_INPUT');
    let formatted = formatError(error.toJSON(), error);
    if (config.isProduction) formatted = stripSuggestions({ ...formatted });
    if (formatted.extensions?.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ err: error.originalError ?? error, path: error.path }, 'unexpected error');
    }
    return formatted;
  };

  const refuse = (socket: WebSocket, code: number, reason: string): false => {
    socket.close(code, reason);
    // graphql-ws then closes with 4403 itself; the socket is already closing, so ours is what the client sees.
    return false;
  };

  useServer<Record<string, unknown>, Partial<ConnectionState>>(
    {
      schema,
      isProd: config.isProduction,
      // Resolvers and services log with the operation's reqId (a subscription's events too).
      execute: (args) => withLogScope({ reqId: reqIdOf(args) }, () => execute(args)),
      subscribe: (args) => withLogScope({ reqId: reqIdOf(args) }, () => subscribeShared(args, shareKey(args), eventContext)),

      onConnect: async (ctx) => {
        const { socket } = ctx.extra;
        const ip = clientIpOf(ctx.extra.request, config.security.trustProxy);
        const header = bearerHeader(ctx.connectionParams);
        // No token: refused before anything is awaited, so no message sent meanwhile is answered first.
        if (!header) {
          const refused = refuse(socket, WS_CLOSE.forbidden, 'Forbidden');
          await limits.hit('authFailuresPerIp', ip);
          return refused;
        }
        if (!(await limits.peek('authFailuresPerIp', ip)).allowed)
          return refuse(socket, WS_CLOSE.tooMany, 'Too many failed authentications');
        const connectionId = randomUUID();
        let context: Context;
        try {
          context = await createContext(services, header, connectionId);
        } catch (err) {
          log.error({ err, connectionId }, 'could not authenticate a WebSocket connection');
          return refuse(socket, WS_CLOSE.internalError, 'Internal server error');
        }
        if (!context.viewer) {
          await limits.hit('authFailuresPerIp', ip);
          return refuse(socket, WS_CLOSE.forbidden, 'Forbidden');
        }
        if (!limits.wsConnections.tryAcquire(context.viewer.id)) return refuse(socket, WS_CLOSE.tooMany, 'Too many connections');
        ctx.extra.holdsConnection = true;
        ctx.extra.ip = ip;
        ctx.extra.subscriptions = new Set();
        const exp = tokenDeadline(header.replace(/^bearer\s+/i, ''), config);
        ctx.extra.viewer = context.viewer;
        ctx.extra.connectionId = connectionId;
        ctx.extra.log = log.child({ connectionId, userId: context.viewer.id });
        if (exp !== undefined) {
          const closeAtExpiry = () => {
            const left = exp * 1000 - Date.now();
            if (left > 0) {
              ctx.extra.expiryTimer = setTimeout(closeAtExpiry, Math.min(left, MAX_TIMER_MS)).unref();
              return;
            }
            socket.close(WS_CLOSE.forbidden, 'Token expired');
          };
          closeAtExpiry();
        }
        return true;
      },

      onClose: (ctx) => {
        if (ctx.extra.expiryTimer) clearTimeout(ctx.extra.expiryTimer);
        const { viewer } = ctx.extra;
        if (viewer && ctx.extra.holdsConnection) {
          ctx.extra.holdsConnection = false;
          limits.wsConnections.release(viewer.id);
          for (const _ of ctx.extra.subscriptions ?? []) limits.wsSubscriptions.release(viewer.id);
          ctx.extra.subscriptions?.clear();
        }
      },

      onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const document = parseDocument(payload.query, config.graphql);
        if (document instanceof GraphQLError) return [document];
        const errors = validate(schema, document, rules);
        if (errors.length > 0) return errors.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) {
          return [new GraphQLError('Unable to identify the operation to run', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
        }
        const { viewer, subscriptions } = ctx.extra;
        const limited = await limits.checkOperation(operation, document, viewer ?? null, ctx.extra.ip ?? 'unknown');
        if (!limited.allowed) return [rateLimitedError(limited.retryAfter)];
        if (operation.operation === 'subscription' && viewer && subscriptions) {
          if (!limits.wsSubscriptions.tryAcquire(viewer.id)) {
            const max = limits.config.wsSubscriptionsPerUser;
            return [
              new GraphQLError(`Too many live subscriptions (at most ${max} per user); end one first`, {
                extensions: { code: 'RATE_LIMITED' },
              }),
            ];
          }
          subscriptions.add(id);
        }
        ctx.extra.log?.debug({ operationName: payload.operationName }, 'ws operation');
        if (operation.operation === 'subscription') sources.set(document, payload.query);
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables };
      },

      context: async (ctx, id) => {
        const { viewer, connectionId } = ctx.extra;
        // Unreachable: graphql-ws refuses operations before connection_ack.
        if (!viewer || !connectionId) throw new Error('WebSocket operation before authentication');
        const requestId = randomUUID();
        const opLog = services.log.child({ reqId: requestId, connectionId, operationId: id });
        const em = services.orm.em.fork();
        // Asked again for each operation, so a granted or revoked admin role, or an erased account,
        // applies without reconnecting.
        const { isAdmin, erased } = await services.users.standing(em, viewer.id);
        if (erased) throw unauthenticated('This account was deleted');
        const current =
          isAdmin === viewer.isAdmin ? viewer : withGrantedRoles({ ...viewer, sub: viewer.id, roles: [...viewer.roles] }, isAdmin);
        return new Context(services, em, current, null, requestId, opLog);
      },

      onOperation: (ctx, id, _payload, _args, result) => {
        if (isAsyncIterable(result)) {
          active.add(`${ctx.extra.connectionId}:${id}`);
          changed();
        }
      },

      onComplete: (ctx, id) => {
        if (active.delete(`${ctx.extra.connectionId}:${id}`)) changed();
        if (ctx.extra.viewer && ctx.extra.subscriptions?.delete(id)) limits.wsSubscriptions.release(ctx.extra.viewer.id);
      },

      onNext: (_ctx, _id, _payload, args, result) => {
        if (!result.errors?.length) return;
        const opLog = args.contextValue instanceof Context ? args.contextValue.log : log;
        return { ...result, errors: result.errors.map((e) => format(e, opLog)) };
      },

      onError: (ctx, _id, _payload, errors) => errors.map((e) => format(e, ctx.extra.log ?? log)),
    },
    wss,
  );

  let closing: Promise<void> | null = null;
  return {
    get activeSubscriptions() {
      return active.size;
    },

    waitForSubscribers(count, timeoutMs = 5000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (active.size < count) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`${active.size} of ${count} subscriptions live after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },

    close() {
      return (closing ??= new Promise<void>((resolve) => {
        for (const socket of wss.clients) socket.close(WS_CLOSE.goingAway, 'Server shutting down');
        // A client that does not answer the close handshake must not hold up shutdown.
        const grace = setTimeout(() => {
          for (const socket of wss.clients) socket.terminate();
        }, 1000);
        wss.close(() => {
          clearTimeout(grace);
          resolve();
        });
      }).then(() => drained(active, waiters, 1000)));
    },
  };
}

/** Waits (briefly) until graphql-ws has ended the operations of the sockets that just closed. */
function drained(active: Set<string>, waiters: Set<() => void>, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const check = () => {
      if (active.size > 0) return;
      waiters.delete(check);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      waiters.delete(check);
      resolve();
    }, timeoutMs);
    waiters.add(check);
    check();
  });
}
