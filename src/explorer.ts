import fs from 'node:fs';
import path from 'node:path';
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance } from 'fastify';

/**
 * GraphiQL for development, served entirely from this server: GraphiQL's and React's browser
 * builds straight from node_modules (the `graphiql`, `react`, `react-dom` and `graphql-ws`
 * packages), no CDN, so it works offline and sends nothing anywhere (GraphiQL has no telemetry).
 * No inline script or style, so it runs under the Content-Security-Policy set below.
 * The packages are devDependencies: an install without them shows a page that says so.
 */

const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'graphiql.min.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.min.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.production.min.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphql-ws.min.js': { pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: 'text/javascript' },
};

const DEFAULT_QUERY = `# Advisor Network API. Queries that need a signed-in user take a token in the Headers tab:
#   { "Authorization": "Bearer <token>" }   (npm run token, or the tokens printed by npm run seed)

query SearchAdvisors {
  pricing { sku durationMinutes priceCents }
  advisors(first: 5) {
    edges { node { id displayName rating reviewCount skills } }
    pageInfo { hasNextPage endCursor }
  }
}
`;

// Runs in the browser. Subscriptions go over graphql-ws with the Authorization header as connectionParams.
const INIT_JS = `(function () {
  var url = new URL('/graphql', location.href).href;
  var wsUrl = url.replace(/^http/, 'ws');
  var http = GraphiQL.createFetcher({ url: url });
  function operationOf(params, opts) {
    var doc = opts && opts.documentAST;
    if (!doc) return /^\\s*subscription\\b/.test(params.query) ? 'subscription' : 'query';
    var ops = doc.definitions.filter(function (d) { return d.kind === 'OperationDefinition'; });
    var op = ops.find(function (d) { return !params.operationName || (d.name && d.name.value === params.operationName); });
    return op ? op.operation : 'query';
  }
  function fetcher(params, opts) {
    if (operationOf(params, opts) !== 'subscription') return http(params, opts);
    var headers = (opts && opts.headers) || {};
    var client = graphqlWs.createClient({
      url: wsUrl,
      connectionParams: { authorization: headers.Authorization || headers.authorization || '' },
    });
    return client.iterate(params);
  }
  ReactDOM.createRoot(document.getElementById('graphiql')).render(
    React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: ${JSON.stringify(DEFAULT_QUERY)} })
  );
})();
`;

const CSS = 'html, body { margin: 0; height: 100%; } #graphiql { height: 100vh; }\n';

const HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Advisor Network API · GraphiQL</title>
<link rel="stylesheet" href="/explorer/graphiql.min.css">
<link rel="stylesheet" href="/explorer/explorer.css">
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="/explorer/react.production.min.js"></script>
<script src="/explorer/react-dom.production.min.js"></script>
<script src="/explorer/graphql-ws.min.js"></script>
<script src="/explorer/graphiql.min.js"></script>
<script src="/explorer/init.js"></script>
</body>
</html>
`;

const MISSING_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Advisor Network API</title></head>
<body><p>The GraphQL API is at this URL (POST). The GraphiQL explorer needs the development dependencies:
run <code>npm install</code> (not <code>--omit=dev</code>).</p></body></html>
`;

/** Every request and response of the explorer stays on this origin. */
export const EXPLORER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // React sets style attributes; GraphiQL's fonts and icons are data: URLs.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

function assetPath(pkg: string, file: string): string | null {
  try {
    const p = path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
    return fs.existsSync(p) ? p : null;
  } catch {
    return null;
  }
}

function available(): boolean {
  return Object.values(ASSETS).every((a) => assetPath(a.pkg, a.file) !== null);
}

/**
 * Serves /explorer/* and puts the CSP on the explorer page (GET /graphql for a browser). Called on
 * the root instance, not registered as a plugin, so that its hook also sees Apollo's route.
 */
export function addExplorer(fastify: FastifyInstance): void {
  const cache = new Map<string, Buffer>();
  fastify.get<{ Params: { file: string } }>('/explorer/:file', async (request, reply) => {
    const { file } = request.params;
    if (file === 'init.js') return reply.type('text/javascript; charset=utf-8').header('cache-control', 'no-cache').send(INIT_JS);
    if (file === 'explorer.css') return reply.type('text/css; charset=utf-8').header('cache-control', 'no-cache').send(CSS);
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file]! : null;
    const p = asset && assetPath(asset.pkg, asset.file);
    if (!asset || !p) return reply.code(404).send({ error: 'not found' });
    let body = cache.get(file);
    if (!body) cache.set(file, (body = await fs.promises.readFile(p)));
    return reply.type(`${asset.type}; charset=utf-8`).header('cache-control', 'public, max-age=3600').send(body);
  });
  fastify.addHook('onSend', async (request, reply) => {
    const type = String(reply.getHeader('content-type') ?? '');
    if (request.url.startsWith('/explorer/') || (request.url.startsWith('/graphql') && type.startsWith('text/html'))) {
      reply.header('content-security-policy', EXPLORER_CSP);
      reply.header('x-content-type-options', 'nosniff');
    }
  });
}

/** Apollo's landing page slot: what a browser gets at GET /graphql. */
export function explorerLandingPage(): ApolloServerPlugin {
  const html = available() ? HTML : MISSING_HTML;
  return {
    async serverWillStart() {
      return {
        async renderLandingPage() {
          return { html };
        },
      };
    },
  };
}
