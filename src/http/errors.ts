import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyInstance } from 'fastify';

/**
 * What an HTTP route answers when it throws. Fastify's default echoes `err.message`, which for a
 * database error is the SQL and its parameters (a webhook's payload, attendee emails included).
 * Unexpected errors are logged with the request id and answered with a generic message carrying
 * that id; Fastify's own 4xx errors (body too large, bad JSON, wrong content type) keep their
 * fixed messages, which never quote the request.
 */
export function installErrorHandler(fastify: FastifyInstance): void {
  fastify.setErrorHandler((err: FastifyError, request, reply) => {
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500 && typeof err.code === 'string' && err.code.startsWith('FST_')) {
      return reply.code(status).send({ statusCode: status, code: err.code, error: STATUS_CODES[status], message: err.message });
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send({ statusCode: status, error: STATUS_CODES[status], requestId: request.id });
    }
    request.log.error({ err }, 'unexpected error');
    return reply.code(500).send({ statusCode: 500, error: 'Internal server error', requestId: request.id });
  });
}
