/**
 * The Stripe simulator in a process of its own, driven over the IPC channel of `fork` (see
 * crash-harness.ts). Only the simulator's public API is used.
 */
import { startStripeSimulator } from '../../src/payments/stripe-simulator';

type Message = { id: number; type: 'webhook'; url: string; secret: string } | { id: number; type: 'dump' };

void (async () => {
  const sim = await startStripeSimulator({ port: Number(process.env.SIM_PORT ?? 0) });
  const send = (m: object) => process.send?.(m);
  process.on('message', (m: Message) => {
    if (m.type === 'webhook') {
      sim.setWebhookTarget({ url: m.url, secret: m.secret });
      send({ id: m.id });
    } else if (m.type === 'dump') {
      send({ id: m.id, paymentIntents: [...sim.paymentIntents.values()], refunds: [...sim.refunds.values()] });
    }
  });
  process.on('disconnect', () => void sim.close().finally(() => process.exit(0)));
  send({ type: 'ready', url: sim.url, port: sim.port });
})();
