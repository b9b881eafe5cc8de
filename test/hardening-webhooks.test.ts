import { signCalcomBody } from '../src/modules/webhooks/calcom';
import { startTestApp, type TestApp } from './helpers/app';
import { sql } from './helpers/fixtures';

/** What no answer may ever contain: SQL, a stack frame, or a payload echoed back. */
export const LEAK =
  /\b(select|insert|update|delete)\s|\bfrom\s+"|processed_webhook_events|\bat\s+\S+\s+\(|\.ts:\d+|\.js:\d+|@example\.com/i;

type Line = Record<string, unknown>;
const lines: Line[] = [];
const stream = { write: (s: string) => void lines.push(JSON.parse(s)) };

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ LOG_LEVEL: 'info' }, { logStream: stream });
});
afterAll(() => t.close());

export async function postStripeRaw(t: TestApp, raw: string, signature = t.stripe.signPayload(raw, t.config.stripe.webhookSecret)) {
  const res = await fetch(`${t.url}/webhooks/stripe`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    body: raw,
  });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

export async function postCalcomRaw(t: TestApp, raw: string | Buffer, signature = signCalcomBody(raw, t.config.calcom.webhookSecret)) {
  const res = await fetch(`${t.url}/webhooks/calcom`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-cal-signature-256': signature },
    body: raw,
  });
  return { status: res.status, text: await res.text(), requestId: res.headers.get('x-request-id') };
}

const recorded = async () => Number((await sql<{ n: string }>(t, 'select count(*) as n from processed_webhook_events'))[0]!.n);

const stripeEvent = (over: Record<string, unknown> = {}) => ({
  id: `evt_${Math.random().toString(36).slice(2)}`,
  object: 'event',
  type: 'customer.created',
  created: Math.floor(Date.now() / 1000),
  data: { object: { id: 'cus_123', object: 'customer', email: 'attendee@example.com' } },
  ...over,
});

const calcomBody = (payload: Record<string, unknown> = {}) => ({
  triggerEvent: 'BOOKING_REQUESTED',
  createdAt: new Date().toISOString(),
  payload: { uid: `uid-${Math.random().toString(36).slice(2)}`, attendees: [{ email: 'attendee@example.com' }], ...payload },
});

describe('webhook bodies are checked by shape before the database (issue 11, finding 7)', () => {
  it.each([
    ['an object id', { id: { $ne: null } }],
    ['an array id', { id: ['evt_1', 'evt_2'] }],
    ['an id that is not an event id', { id: "evt_1' or 1=1" }],
    ['a numeric type', { type: 7 }],
    ['no data.object', { data: {} }],
    ['an array data.object', { data: { object: [1, 2] } }],
    ['a data.object without a string id', { data: { object: { id: { nested: true } } } }],
    ['a NUL in a string', { data: { object: { id: 'cus_1', name: 'a\u0000b' } } }],
  ])('refuses a signed Stripe event with %s: 400, nothing recorded', async (_what, over) => {
    const before = await recorded();
    const r = await postStripeRaw(t, JSON.stringify(stripeEvent(over)));
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/malformed event/);
    expect(r.text).not.toMatch(LEAK);
    expect(await recorded()).toBe(before);
  });

  it.each([
    ['a numeric triggerEvent', { triggerEvent: 42, payload: {} }],
    ['an array payload', { triggerEvent: 'BOOKING_CREATED', payload: [] }],
    ['an object uid', calcomBody({ uid: { $gt: '' } })],
    ['a list of strings as attendees', calcomBody({ attendees: ['a@example.com'] })],
  ])('refuses a signed Cal.com body with %s: 400, nothing recorded', async (_what, body) => {
    const before = await recorded();
    const r = await postCalcomRaw(t, JSON.stringify(body));
    expect(r.status).toBe(400);
    expect(r.text).not.toMatch(LEAK);
    expect(await recorded()).toBe(before);
  });

  it('answers 400 to a NUL or a lone surrogate in a Cal.com body, and the next good delivery is processed', async () => {
    const before = await recorded();
    const good = JSON.stringify(calcomBody({ title: 'Intro call' }));
    const nul = good.replace('Intro call', 'Intro\\u0000call');
    const lone = good.replace('Intro call', 'Intro \\ud800 call');
    const loneLow = good.replace('Intro call', 'Intro \\udc00 call');
    const nulKey = good.replace('"title"', '"ti\\u0000tle"');
    for (const raw of [nul, lone, loneLow, nulKey]) {
      const r = await postCalcomRaw(t, raw);
      expect([r.status, r.text]).toEqual([
        400,
        JSON.stringify({ error: 'malformed event: the body contains text that cannot be stored (NUL or a lone surrogate)' }),
      ]);
    }
    expect(await recorded()).toBe(before);
    // A surrogate pair (an emoji) is fine.
    const emoji = await postCalcomRaw(t, good.replace('Intro call', 'Intro \\ud83d\\ude00 call'));
    expect(emoji.status).toBe(200);
    expect(await recorded()).toBe(before + 1);
    const refusedLogs = lines.filter((l) => l.msg === 'webhook delivery refused: malformed body');
    expect(refusedLogs.length).toBeGreaterThan(0);
    expect(JSON.stringify(refusedLogs)).not.toMatch(/attendee@example\.com|Intro/);
  });

  it('never records a body whose signature is wrong', async () => {
    const before = await recorded();
    for (let i = 0; i < 5; i++) {
      expect((await postStripeRaw(t, JSON.stringify(stripeEvent()), 't=1,v1=deadbeef')).status).toBe(400);
      expect((await postCalcomRaw(t, JSON.stringify(calcomBody()), 'ab'.repeat(32))).status).toBe(401);
    }
    expect(await recorded()).toBe(before);
  });

  it('answers an unexpected failure with a generic 500 and the request id, never SQL or the payload', async () => {
    const em = t.app.services.orm.em.fork();
    await em.execute('alter table processed_webhook_events rename to processed_webhook_events_gone');
    try {
      const stripe = await postStripeRaw(t, JSON.stringify(stripeEvent()));
      expect(stripe.status).toBe(500);
      expect(JSON.parse(stripe.text)).toEqual({ statusCode: 500, error: 'Internal server error', requestId: stripe.requestId });
      const calcom = await postCalcomRaw(t, JSON.stringify(calcomBody()));
      expect(calcom.status).toBe(500);
      expect(calcom.text).not.toMatch(LEAK);
      expect(calcom.text).not.toMatch(/gone|relation/);
    } finally {
      await em.execute('alter table processed_webhook_events_gone rename to processed_webhook_events');
    }
    // The server logged what happened, with the request id, for whoever investigates.
    expect(lines.some((l) => l.msg === 'unexpected error' && typeof l.reqId === 'string')).toBe(true);
  });
});
