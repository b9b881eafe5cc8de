import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Services } from '../../services';
import { pickLocale } from './format';
import { verifyOptOutToken } from './links';

type OptOutRequest = FastifyRequest<{ Querystring: { token?: string; lang?: string } }>;

/**
 * GET /email/unsubscribe?token=... shows what the link turns off and asks; POST does it. Mail
 * programs that honour List-Unsubscribe-Post (RFC 8058) POST `List-Unsubscribe=One-Click` to the
 * same URL without showing anything. A GET never changes anything, so link scanners cannot opt
 * anyone out. The token (signed user and kind) is the only credential.
 */
export async function unsubscribeRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;
  // The one-click body is a form (urlencoded or multipart); only the signed URL matters, so the
  // body is read as text and ignored.
  for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data']) {
    app.addContentTypeParser(type, { parseAs: 'string', bodyLimit: 4096 }, (_req, body, done) => done(null, body));
  }

  const page = async (
    reply: FastifyReply,
    status: number,
    lang: string,
    state: Parameters<typeof services.notifications.renderer.optOutPage>[1],
  ) =>
    reply
      .code(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .send(await services.notifications.renderer.optOutPage(pickLocale(lang).lang, state));

  const action = (request: OptOutRequest) => {
    const u = new URL('/email/unsubscribe', services.config.publicApiUrl);
    u.searchParams.set('token', request.query.token ?? '');
    u.searchParams.set('lang', request.query.lang ?? 'en');
    return u.toString();
  };

  app.get('/email/unsubscribe', async (request: OptOutRequest, reply) => {
    const lang = request.query.lang ?? 'en';
    const opt = verifyOptOutToken(services.config.email.linkSecret, request.query.token);
    if (!opt) return page(reply, 400, lang, null);
    return page(reply, 200, lang, { kind: opt.kind, done: false, action: action(request) });
  });

  app.post('/email/unsubscribe', async (request: OptOutRequest, reply) => {
    const lang = request.query.lang ?? 'en';
    const opt = verifyOptOutToken(services.config.email.linkSecret, request.query.token);
    if (!opt) return page(reply, 400, lang, null);
    await services.notifications.admin.optOut(opt.userId, opt.kind);
    return page(reply, 200, lang, { kind: opt.kind, done: true, action: action(request) });
  });
}
