import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { bearerToken, verifyToken, type Claims } from './auth/token';
import { DomainError, unauthenticated } from './common/errors';
import { Context, type Viewer } from './context';
import { addExplorer, explorerLandingPage } from './explorer';
import { formatError } from './graphql/errors';
import { withLogScope } from './logging';
import { installErrorHandler } from './http/errors';
import { installRateLimits, noteContext, rateLimitPlugin, trustProxyOption } from './http/rate-limit';
import { registerSecurityHeaders } from './http/security-headers';
import { hideSuggestionsPlugin, operationRules, parseOptions } from './graphql/armor';
import { addMetricsRoute, createMetrics, type Metrics } from './metrics';
import { sendFinanceExport } from './modules/finance/finance.export';
import { unsubscribeRoutes } from './modules/notifications/unsubscribe.routes';
import { webhookRoutes } from './modules/webhooks/webhook.routes';
import type { Services } from './services';

/** Builds a request's context from its bearer token; a bad token is kept as the reason, not thrown. */
export async function createContext(services: Services, authorization: string | undefined | null, requestId: string): Promise<Context> {
  const em = services.orm.em.fork();
  const log = services.log.child({ reqId: requestId });
  const token = bearerToken(authorization);
  if (token === null) return new Context(services, em, null, null, requestId, log);
  try {
    const claims = await verifyToken(token, services.config);
    await services.users.syncFromClaims(em, claims);
    // The token says who; whether they are an admin is the database's answer (user_roles), asked each request.
    const standing = await services.users.standing(em, claims.sub);
    if (standing.erased) throw unauthenticated('This account was deleted');
    const viewer = withGrantedRoles(claims, standing.isAdmin);
    return new Context(services, em, viewer, null, requestId, log);
  } catch (err) {
    if (err instanceof DomainError) return new Context(services, em, null, err, requestId, log);
    throw err;
  }
}

/** The viewer a verified token names, an admin only when user_roles says so (an `admin` claim counts for nothing). */
export function withGrantedRoles(claims: Pick<Claims, 'sub' | 'email' | 'givenName' | 'familyName' | 'roles'>, isAdmin: boolean): Viewer {
  const roles = claims.roles.filter((r) => r !== 'admin');
  return {
    kind: 'person',
    id: claims.sub,
    email: claims.email,
    givenName: claims.givenName,
    familyName: claims.familyName,
    roles: isAdmin ? [...roles, 'admin'] : roles,
    isAdmin,
  };
}

/** Logs unexpected errors with the request id; what the client sees is decided by formatError. */
const logUnexpected: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors, contextValue }) {
        for (const error of errors) {
          const original = unwrapResolverError(error);
          const code = error.extensions?.code;
          if (original instanceof DomainError || (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR')) continue;
          if (original === error && !error.originalError) continue;
          contextValue?.log?.error({ err: original, path: error.path }, 'unexpected error');
        }
      },
    };
  },
};

export interface HttpServer {
  fastify: FastifyInstance;
  apollo: ApolloServer<Context>;
  /**
   * The first step of a graceful shutdown: /readyz answers 503 from now on, so load balancers stop
   * sending traffic, and every response asks its client to close the connection, so keep-alive
   * connections end; requests are still served until the server closes.
   */
  drain(): void;
  readonly draining: boolean;
  metrics: Metrics;
}

export async function createHttpServer(services: Services, schema: GraphQLSchema): Promise<HttpServer> {
  const { config } = services;
  const fastify = Fastify({
    loggerInstance: services.log,
    bodyLimit: config.graphql.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // A request that reaches us while closing is served, not answered 503: draining already sent clients away.
    return503OnClosing: false,
    trustProxy: trustProxyOption(config.security.trustProxy),
  }) as unknown as FastifyInstance;
  let draining = false;
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (draining) reply.header('connection', 'close');
  });
  // Everything the handler runs (resolvers, services, the ORM) logs with this request's reqId.
  // preHandler, not onRequest: the body is read on the socket's own async context in between.
  fastify.addHook('preHandler', (request, _reply, done) => withLogScope({ reqId: request.id }, done));

  // Browser apps on the CORS_ORIGINS answer preflights here, before Apollo's CSRF check (which
  // only lets through requests a browser would have preflighted). Bearer tokens, no cookies.
  if (config.corsOrigins.length) {
    await fastify.register(cors, {
      origin: config.corsOrigins.includes('*') ? true : config.corsOrigins,
      methods: ['GET', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization', 'x-request-id', 'apollo-require-preflight', 'x-apollo-operation-name'],
      exposedHeaders: ['x-request-id'],
      credentials: false,
      maxAge: 600,
    });
  }
  if (config.graphql.explorer) addExplorer(fastify);
  const metrics = createMetrics(services);
  addMetricsRoute(fastify, metrics, config.metricsToken);

  installErrorHandler(fastify);
  await registerSecurityHeaders(fastify, config);
  installRateLimits(fastify, services.limits);
  await fastify.register(webhookRoutes, { services });
  await fastify.register(unsubscribeRoutes, { services });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  // Accounting CSVs (payouts.csv, charges.csv, ledger.csv) for admins, with the same bearer token as GraphQL.
  fastify.get<{ Params: { file: string }; Querystring: { month?: string } }>('/admin/exports/:file', async (request, reply) => {
    const ctx = await noteContext(services.limits, request.ip, await createContext(services, request.headers.authorization, request.id));
    return sendFinanceExport(ctx, request.params.file, request.query.month, reply);
  });
  fastify.get('/readyz', async (_req, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining' });
    try {
      await services.orm.em.fork().execute('select 1');
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: config.graphql.introspection,
    csrfPrevention: true,
    // Apollo would close the server on the first SIGTERM itself; main.ts drains first (readiness 503, grace period).
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    validationRules: operationRules(config.graphql),
    parseOptions: parseOptions(config.graphql),
    hideSchemaDetailsFromClientErrors: config.isProduction,
    formatError: (formatted, error) => formatError(formatted, error),
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      ApolloServerPluginCacheControlDisabled(),
      config.graphql.explorer ? explorerLandingPage() : ApolloServerPluginLandingPageDisabled(),
      logUnexpected,
      rateLimitPlugin(services.limits),
      ...(config.isProduction ? [hideSuggestionsPlugin] : []),
      metrics.apolloPlugin,
    ],
  });
  await apollo.start();
  await fastify.register(fastifyApollo(apollo), {
    path: '/graphql',
    // OPTIONS is the CORS plugin's: Apollo would refuse a preflight as a CSRF attempt.
    method: ['GET', 'POST'],
    context: async (request) =>
      noteContext(services.limits, request.ip, await createContext(services, request.headers.authorization, request.id)),
  });
  return {
    fastify,
    apollo,
    metrics,
    drain() {
      draining = true;
    },
    get draining() {
      return draining;
    },
  };
}
