import { BookConsultationDocument, CancelConsultationDocument, PricingDocument } from './generated/graphql';
import { codeOf, startTestApp, type TestApp } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor } from './helpers/fixtures';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ METRICS_TOKEN: 'metrics-secret' });
});
afterAll(() => t.close());

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, parsed strictly enough that a malformed line fails the test. */
function parse(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (-?[0-9.e+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    if (!m) throw new Error(`not Prometheus text: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k!] = v!;
    samples.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return samples;
}

const value = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((a, s) => a + s.value, 0);

describe('/metrics', () => {
  it('needs the METRICS_TOKEN when one is set', async () => {
    expect((await fetch(`${t.url}/metrics`)).status).toBe(401);
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
  });

  it('reports latency, bookings, payments, webhooks, jobs and subscribers in Prometheus format', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const client = await t.user();
    const advisor = await makeAdvisor(t, admin);
    expectOk(await t.gql(PricingDocument));
    const input = {
      advisorId: advisor.advisorId,
      durationMinutes: 30,
      startTime: inFuture(30 * HOUR).toISOString(),
      paymentMethodId: 'pm_card_visa',
    };
    const booked = expectOk(await t.gql(BookConsultationDocument, { input }, client.token)).bookConsultation.consultation;
    expect(codeOf(await t.gql(BookConsultationDocument, { input }, client.token))).toBe('CONFLICT');
    expectOk(await t.gql(CancelConsultationDocument, { id: booked.id, reason: 'Plans changed' }, client.token)); // a full refund
    await t.stripe.flushWebhooks();

    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer metrics-secret' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const samples = parse(text);

    expect(
      value(samples, 'http_request_duration_seconds_count', { route: '/graphql', method: 'POST', status_code: '200' }),
    ).toBeGreaterThanOrEqual(4);
    expect(
      value(samples, 'graphql_operation_duration_seconds_count', { operation_name: 'Pricing', operation_type: 'query', outcome: 'ok' }),
    ).toBe(1);
    expect(value(samples, 'graphql_operation_duration_seconds_count', { operation_name: 'BookConsultation', outcome: 'error' })).toBe(1);
    expect(value(samples, 'bookings_total', { outcome: 'ok' })).toBe(1);
    expect(value(samples, 'bookings_total', { outcome: 'CONFLICT' })).toBe(1);
    expect(value(samples, 'payments', { status: 'refunded' })).toBe(1);
    expect(value(samples, 'refunds', { source: 'client_cancellation' })).toBe(1);
    expect(value(samples, 'refunded_cents', { source: 'client_cancellation' })).toBe(1900);
    expect(value(samples, 'webhook_events', { provider: 'stripe' })).toBeGreaterThanOrEqual(1);
    expect(samples.some((s) => s.name === 'job_queue_depth')).toBe(true);
    expect(value(samples, 'graphql_live_subscriptions')).toBe(0);
    expect(text).toMatch(/^# TYPE job_failures_total counter$/m);
    expect(text).toMatch(/^# TYPE job_queue_failing gauge$/m);
    expect(value(samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
