/**
 * The simulator's controls over HTTP, for a simulator running in its own process
 * (scripts/stripe-simulator.ts): JSON requests under `/_simulator/` on the simulator's own port,
 * and `StripeSimulatorControl`, a small client for them. Not part of Stripe's API.
 *
 *   GET  /_simulator                          state: url, API version, webhook target, counts
 *   POST /_simulator/webhook                  { url, secret } or { url: null }
 *   POST /_simulator/faults                   { pathPrefix, count, error? }
 *   POST /_simulator/delays                   { pathPrefix, count, ms }
 *   POST /_simulator/clear-faults
 *   POST /_simulator/flush                    waits for queued and in-flight webhooks
 *   POST /_simulator/redeliver                sends every event not yet answered 2xx
 *   POST /_simulator/refunds                  { paymentIntentId, amount? }: a dashboard refund
 *   POST /_simulator/disputes                 { paymentIntentId }
 *   POST /_simulator/disputes/:id/close       { outcome: 'won' | 'lost' }
 *   POST /_simulator/accounts/:id             { details_submitted?, payouts_enabled?, charges_enabled? }
 */
import type { StripeSimulator } from './simulator';
import { SIMULATED_API_VERSION, type AccountChanges, type InjectedError, type WebhookTarget } from './types';

export interface SimulatorState {
  url: string;
  apiVersion: string;
  webhookUrl: string | null;
  counts: Record<'paymentIntents' | 'charges' | 'refunds' | 'disputes' | 'accounts' | 'transfers' | 'events', number>;
  pendingWebhooks: number;
}

type Answer = { status: number; body: unknown };

export async function handleControl(sim: StripeSimulator, method: string, path: string, rawBody: string): Promise<Answer> {
  try {
    const body = (rawBody ? JSON.parse(rawBody) : {}) as Record<string, unknown>;
    const answer = await control(sim, method, path.replace(/\/$/, ''), body);
    return answer ?? { status: 404, body: { error: `No simulator control ${method} ${path}` } };
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}

async function control(sim: StripeSimulator, method: string, path: string, body: Record<string, unknown>): Promise<Answer | null> {
  const ok = (value: unknown = { ok: true }): Answer => ({ status: 200, body: value });
  if (method === 'GET' && path === '') return ok(state(sim));
  if (method !== 'POST') return null;
  const str = (name: string) => String(body[name]);
  const num = (name: string) => Number(body[name]);
  switch (path) {
    case '/webhook':
      sim.setWebhookTarget(body.url ? { url: str('url'), secret: str('secret') } : null);
      return ok();
    case '/faults':
      sim.failNextRequests(str('pathPrefix'), num('count'), body.error as InjectedError | undefined);
      return ok();
    case '/delays':
      sim.delayNextResponses(str('pathPrefix'), num('count'), num('ms'));
      return ok();
    case '/clear-faults':
      sim.clearFaults();
      return ok();
    case '/flush':
      await sim.flushWebhooks();
      return ok();
    case '/redeliver':
      return ok({ redelivered: await sim.redeliverPendingWebhooks() });
    case '/refunds':
      return ok(sim.refundOutsideApi(str('paymentIntentId'), body.amount === undefined ? undefined : num('amount')));
    case '/disputes':
      return ok(sim.createDispute(str('paymentIntentId')));
  }
  const close = /^\/disputes\/([^/]+)\/close$/.exec(path);
  if (close) return ok(sim.closeDispute(close[1], body.outcome === 'won' ? 'won' : 'lost'));
  const account = /^\/accounts\/([^/]+)$/.exec(path);
  if (account) return ok(sim.updateAccount(account[1], body as AccountChanges));
  return null;
}

function state(sim: StripeSimulator): SimulatorState {
  return {
    url: sim.url,
    apiVersion: SIMULATED_API_VERSION,
    webhookUrl: sim.webhookTarget?.url ?? null,
    counts: {
      paymentIntents: sim.paymentIntents.size,
      charges: sim.charges.size,
      refunds: sim.refunds.size,
      disputes: sim.disputes.size,
      accounts: sim.accounts.size,
      transfers: sim.transfers.size,
      events: sim.events.length,
    },
    pendingWebhooks: sim.events.filter((e) => e.pending_webhooks > 0).length,
  };
}

/** Drives a simulator in another process through its `/_simulator/` controls. */
export class StripeSimulatorControl {
  constructor(readonly url: string) {}

  state(): Promise<SimulatorState> {
    return this.call('GET', '');
  }

  setWebhookTarget(target: WebhookTarget | null): Promise<void> {
    return this.call('POST', '/webhook', target ?? { url: null });
  }

  failNextRequests(pathPrefix: string, count: number, error?: InjectedError): Promise<void> {
    return this.call('POST', '/faults', { pathPrefix, count, error });
  }

  delayNextResponses(pathPrefix: string, count: number, ms: number): Promise<void> {
    return this.call('POST', '/delays', { pathPrefix, count, ms });
  }

  clearFaults(): Promise<void> {
    return this.call('POST', '/clear-faults');
  }

  flushWebhooks(): Promise<void> {
    return this.call('POST', '/flush');
  }

  async redeliverPendingWebhooks(): Promise<number> {
    return (await this.call<{ redelivered: number }>('POST', '/redeliver')).redelivered;
  }

  refundOutsideApi(paymentIntentId: string, amount?: number): Promise<{ id: string; amount: number }> {
    return this.call('POST', '/refunds', { paymentIntentId, amount });
  }

  createDispute(paymentIntentId: string): Promise<{ id: string; status: string }> {
    return this.call('POST', '/disputes', { paymentIntentId });
  }

  closeDispute(disputeId: string, outcome: 'won' | 'lost'): Promise<{ id: string; status: string }> {
    return this.call('POST', `/disputes/${disputeId}/close`, { outcome });
  }

  updateAccount(accountId: string, changes: AccountChanges): Promise<{ id: string }> {
    return this.call('POST', `/accounts/${accountId}`, changes);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/_simulator${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as T & { error?: string };
    if (!res.ok) throw new Error(`Stripe simulator control ${method} ${path}: ${json.error ?? res.status}`);
    return json;
  }
}
