import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';

/** The API answers JSON and CSV: in production nothing it sends may run, load or be framed. */
export const PRODUCTION_CSP = ["default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'"].join('; ');

/** Development serves the explorer from this origin: its scripts and styles, React's inline styles, data: fonts and icons. */
export const DEVELOPMENT_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/**
 * Security headers on every HTTP response (@fastify/helmet): nosniff, no framing, no referrer,
 * same-origin opener and resource policies, and HSTS in production only (development runs on
 * plain http://localhost). The Content-Security-Policy is set last, in onSend, and only where a
 * response has none of its own, so the development explorer page, which sets the policy it
 * needs, keeps working.
 */
export async function registerSecurityHeaders(fastify: FastifyInstance, config: Config): Promise<void> {
  await fastify.register(helmet, {
    global: true,
    contentSecurityPolicy: false,
    frameguard: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    hsts: config.isProduction ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  const csp = config.isProduction ? PRODUCTION_CSP : DEVELOPMENT_CSP;
  fastify.addHook('onSend', async (request, reply) => {
    if (reply.hasHeader('content-security-policy')) return;
    // The explorer page (development only) brings its own policy, in a header or a <meta> tag.
    const html = String(reply.getHeader('content-type') ?? '').startsWith('text/html');
    if (!config.isProduction && html && request.url.startsWith('/graphql')) return;
    reply.header('content-security-policy', csp);
  });
}
