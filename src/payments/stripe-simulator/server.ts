/**
 * The HTTP side: authentication, the API version, injected faults, idempotency, routing and the
 * rendered answer, in Stripe's headers (`Request-Id`, `Stripe-Version`, `Idempotency-Key`,
 * `Original-Request`, `Idempotent-Replayed`). Also the onboarding page account links point to,
 * and the simulator's own controls under `/_simulator/` for a simulator in its own process.
 */
import type http from 'node:http';
import type { Socket } from 'node:net';
import type { Route, SimContext } from './context';
import type { Faults, Timers } from './controls';
import { errorJson, invalidRequest, StripeApiError } from './errors';
import type { ApiResponse, IdempotencyStore } from './idempotency';
import { checkKnownParams, expandParam, parseFormBody } from './params';
import { render } from './render';
import { SIMULATED_API_VERSION, type FormObject, type LoggedRequest, type Wire } from './types';
import { canonicalJson, generateId, readBody } from './util';

const CONTROL_PREFIX = '/_simulator';

interface ApiServerDeps {
  ctx: SimContext;
  routes: Route[];
  faults: Faults;
  timers: Timers;
  idempotency: IdempotencyStore;
  requestLog: LoggedRequest[];
  /** Answers a request under CONTROL_PREFIX. */
  control(method: string, path: string, body: string): Promise<{ status: number; body: unknown }>;
}

export class ApiServer {
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly server: http.Server,
    private readonly url: string,
    private readonly deps: ApiServerDeps,
  ) {
    server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req, res) => {
      this.handleHttp(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
        }
      });
    });
  }

  /** Stops at once: open (keep-alive) sockets are destroyed, held answers never sent. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private async handleHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const requestUrl = new URL(req.url ?? '/', this.url);

    if (req.method === 'GET' && requestUrl.pathname.startsWith('/connect/onboarding/')) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><title>Simulated Stripe onboarding</title><p>Onboarding for ${requestUrl.pathname.split('/').pop()}</p>`);
      return;
    }
    if (requestUrl.pathname === CONTROL_PREFIX || requestUrl.pathname.startsWith(`${CONTROL_PREFIX}/`)) {
      const answer = await this.deps.control(req.method ?? 'GET', requestUrl.pathname.slice(CONTROL_PREFIX.length), rawBody);
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
      return;
    }

    // Everything from here to storing the idempotent response runs without
    // awaiting, so concurrent requests sharing an Idempotency-Key are handled
    // one after the other and only the first one does any work.
    const response = this.respond(req, requestUrl, rawBody);

    const holdMs = this.deps.faults.takeDelay(requestUrl.pathname);
    if (holdMs !== undefined) await new Promise<void>((resolve) => this.deps.timers.later(resolve, holdMs));
    // The client may have given up while the response was held back.
    if (req.socket.destroyed) return;
    res.writeHead(response.status, { 'Content-Type': 'application/json', ...response.headers });
    res.end(response.body);
  }

  private respond(req: http.IncomingMessage, requestUrl: URL, rawBody: string): ApiResponse {
    const { ctx, faults, idempotency } = this.deps;
    const method = req.method ?? 'GET';
    const path = requestUrl.pathname;
    const idempotencyKey = method === 'POST' ? headerValue(req.headers['idempotency-key']) : null;
    const query = parseFormBody(requestUrl.search.slice(1));
    const body = parseFormBody(rawBody);
    this.deps.requestLog.push({ method, path, query, body, idempotencyKey, headers: req.headers, receivedAt: Date.now() });

    const requestId = generateId('req');
    const headers: Record<string, string> = { 'Request-Id': requestId, 'Stripe-Version': SIMULATED_API_VERSION };
    if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
    const errorResponse = (error: StripeApiError): ApiResponse => ({ status: error.status, body: errorJson(error, requestId), headers });

    const authError = checkAuthorization(req.headers.authorization);
    if (authError) return errorResponse(authError);

    // The simulator renders one version's shapes; answering another version's request in them would flatter.
    const stripeVersion = headerValue(req.headers['stripe-version']);
    if (stripeVersion && stripeVersion !== SIMULATED_API_VERSION) {
      return errorResponse(
        invalidRequest(
          `The Stripe simulator answers API version ${SIMULATED_API_VERSION} only, not ${stripeVersion}. Pin apiVersion '${SIMULATED_API_VERSION}' in the SDK.`,
        ),
      );
    }

    const fault = faults.takeFailure(path);
    if (fault) return errorResponse(new StripeApiError(fault.status, { type: fault.type, code: fault.code, message: fault.message }));

    const params = method === 'GET' ? query : { ...query, ...body };
    const endpoint = `${method} ${path}`;
    const paramsKey = canonicalJson(params);
    if (idempotencyKey) {
      const replayed = idempotency.replay(idempotencyKey, endpoint, paramsKey, requestId);
      if (replayed instanceof StripeApiError) return errorResponse(replayed);
      if (replayed) return replayed;
      headers['Original-Request'] = requestId;
    }

    let response: ApiResponse;
    let executed = true;
    ctx.request = { id: requestId, idempotency_key: idempotencyKey };
    try {
      const result = this.dispatch(method, path, params);
      response = { status: 200, body: JSON.stringify(result, null, 2), headers };
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      executed = !error.beforeExecution;
      response = errorResponse(error);
    } finally {
      ctx.request = null;
    }

    // Stripe saves a result only once the endpoint began executing; a request refused by
    // validation can be retried with the same key.
    if (idempotencyKey && executed) idempotency.save(idempotencyKey, endpoint, paramsKey, requestId, response);
    return response;
  }

  private dispatch(method: string, path: string, params: FormObject): Wire {
    for (const candidate of this.deps.routes) {
      if (candidate.method !== method) continue;
      const match = candidate.pattern.exec(path);
      if (!match) continue;
      const expand = expandParam(params);
      if (candidate.params !== 'list') checkKnownParams(params, candidate.params);
      return render(this.deps.ctx, candidate.handler(params, ...match.slice(1)), expand);
    }
    throw invalidRequest(`Unrecognized request URL (${method}: ${path}). The Stripe simulator does not implement this endpoint.`, {
      status: 404,
    });
  }
}

function headerValue(value: string | string[] | undefined): string | null {
  const first = Array.isArray(value) ? value[0] : value;
  return first ? first : null;
}

/**
 * A test-mode secret or restricted key, as Bearer or as Basic auth's user name (`curl -u sk_test_…:`);
 * the simulator never stands in for live mode.
 */
function checkAuthorization(header: string | undefined): StripeApiError | null {
  if (!header) {
    return invalidRequest(
      "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
      { status: 401 },
    );
  }
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
  const key = bearer ?? (basic ? Buffer.from(basic, 'base64').toString('utf8').split(':')[0] : '');
  if (!/^(sk|rk)_test_/.test(key)) {
    return invalidRequest(`Invalid API Key provided: ${key.slice(0, 8)}***`, { status: 401 });
  }
  return null;
}
