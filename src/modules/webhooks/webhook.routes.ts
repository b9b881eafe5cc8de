import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services';
import { calcomDedupeKey, parseCalcomEvent, verifyCalcomSignature } from './calcom';
import { WebhookProvider } from './webhook-event.entity';
import { calcomBodyProblem, refuseWebhook, stripeEventProblem } from './validate';

/** Webhook bodies are small; anything bigger is not from Stripe or Cal.com. */
export const WEBHOOK_BODY_LIMIT = 256 * 1024;

/**
 * POST /webhooks/stripe and /webhooks/calcom. The raw body is kept (signatures are over the exact
 * bytes), verified, recorded once with its processing job, and answered; the job queue does the
 * rest. Only JSON is accepted (415 otherwise), bodies over the limit get 413, malformed JSON 400,
 * bad signatures 400 (Stripe) or 401 (Cal.com).
 */
export async function webhookRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_req, body, done) =>
    done(null, body),
  );

  app.post('/webhooks/stripe', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string') return reply.code(400).send({ error: 'missing Stripe-Signature header' });
    let event;
    try {
      event = services.payments.verifyWebhook(request.body as Buffer, signature, services.config.stripe.webhookSecret);
    } catch {
      return reply.code(400).send({ error: 'invalid signature or payload' });
    }
    const problem = stripeEventProblem(event);
    if (problem) return refuseWebhook(request, reply, 'stripe', problem);
    const result = await services.webhooks.receive(WebhookProvider.STRIPE, event.id, event.type, event);
    return reply.code(200).send({ received: true, duplicate: result.duplicate });
  });

  app.post('/webhooks/calcom', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const raw = request.body as Buffer;
    const signature = request.headers['x-cal-signature-256'];
    if (!verifyCalcomSignature(raw, typeof signature === 'string' ? signature : undefined, services.config.calcom.webhookSecret)) {
      return reply.code(401).send({ error: 'invalid signature' });
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return reply.code(400).send({ error: 'malformed JSON' });
    }
    const problem = calcomBodyProblem(body);
    if (problem) return refuseWebhook(request, reply, 'calcom', problem);
    const event = parseCalcomEvent(body);
    if (!event) return reply.code(400).send({ error: 'not a Cal.com webhook event' });
    const result = await services.webhooks.receive(WebhookProvider.CALCOM, calcomDedupeKey(event), event.trigger, body);
    return reply.code(200).send({ received: true, duplicate: result.duplicate });
  });
}
