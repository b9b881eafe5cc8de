import { randomUUID } from 'node:crypto';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import fastifyApollo, { fastifyApolloDrainPlugin } from '@as-integrations/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { bearerToken, verifyToken } from './auth/token';
import { DomainError } from './common/errors';
import { Context, type Viewer } from './context';
import { formatError } from './graphql/errors';
import { installErrorHandler } from './http/errors';
import { installRateLimits, noteContext, rateLimitPlugin, trustProxyOption } from './http/rate-limit';
import { registerSecurityHeaders } from './http/security-headers';
import { hideSuggestionsPlugin, operationRules, parseOptions } from './graphql/armor';
import { sendFinanceExport } from './modules/finance/finance.export';
import { webhookRoutes } from './modules/webhooks/webhook.routes';
import type { Services } from './services';

/** Builds a request's context from its bearer token; a bad token is kept as the reason, not thrown. */
export async function createContext(services: Services, authorization: string | undefined | null, requestId: string): Promise<Context> {
  const em = services.orm.em.fork();
  const log = services.log.child({ requestId });
  const token = bearerToken(authorization);
  if (token === null) return new Context(services, em, null, null, requestId, log);
  try {
    const claims = await verifyToken(token, services.config);
    await services.users.syncFromClaims(em, claims);
    const viewer: Viewer = {
      id: claims.sub,
      email: claims.email,
      givenName: claims.givenName,
      familyName: claims.familyName,
      roles: claims.roles,
      isAdmin: claims.roles.includes('admin'),
    };
    return new Context(services, em, viewer, null, requestId, log);
  } catch (err) {
    if (err instanceof DomainError) return new Context(services, em, null, err, requestId, log);
    throw err;
  }
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
}

export async function createHttpServer(services: Services, schema: GraphQLSchema): Promise<HttpServer> {
  const { config } = services;
  const fastify = Fastify({
    loggerInstance: services.log,
    bodyLimit: config.graphql.bodyLimitBytes,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    trustProxy: trustProxyOption(config.security.trustProxy),
  }) as unknown as FastifyInstance;
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });

  installErrorHandler(fastify);
  await registerSecurityHeaders(fastify, config);
  installRateLimits(fastify, services.limits);
  await fastify.register(webhookRoutes, { services });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  // Accounting CSVs (payouts.csv, charges.csv, ledger.csv) for admins, with the same bearer token as GraphQL.
  fastify.get<{ Params: { file: string }; Querystring: { month?: string } }>('/admin/exports/:file', async (request, reply) => {
    const ctx = await noteContext(services.limits, request.ip, await createContext(services, request.headers.authorization, request.id));
    return sendFinanceExport(ctx, request.params.file, request.query.month, reply);
  });
  fastify.get('/readyz', async (_req, reply) => {
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
    includeStacktraceInErrorResponses: false,
    validationRules: operationRules(config.graphql),
    parseOptions: parseOptions(config.graphql),
    hideSchemaDetailsFromClientErrors: config.isProduction,
    formatError: (formatted, error) => formatError(formatted, error),
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      ApolloServerPluginCacheControlDisabled(),
      config.graphql.explorer ? ApolloServerPluginLandingPageLocalDefault({ embed: true }) : ApolloServerPluginLandingPageDisabled(),
      logUnexpected,
      rateLimitPlugin(services.limits),
      ...(config.isProduction ? [hideSuggestionsPlugin] : []),
    ],
  });
  await apollo.start();
  await fastify.register(fastifyApollo(apollo), {
    path: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    context: async (request) =>
      noteContext(services.limits, request.ip, await createContext(services, request.headers.authorization, request.id)),
  });
  return { fastify, apollo };
}
