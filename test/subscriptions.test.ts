import WebSocket from 'ws';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  ConsultationStatusChangedDocument,
  ConsultationStatusUnreadDocument,
  GetConsultationDocument,
} from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, type AdvisorFixture } from './helpers/fixtures';
import { subscribe } from './helpers/ws';

let t: TestApp;
let admin: TestUser;
let advisor: AdvisorFixture;
let client: TestUser;

beforeAll(async () => {
  t = await startTestApp();
  admin = await t.user({ roles: ['admin'] });
  advisor = await makeAdvisor(t, admin);
  client = await t.user({ givenName: 'Cleo', familyName: 'Hidden' });
});
afterAll(() => t.close());

const book = async (who: TestUser, start: Date) =>
  expectOk(
    await t.gql(
      BookConsultationDocument,
      { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: start.toISOString(), paymentMethodId: 'pm_card_visa' } },
      who.token,
    ),
  ).bookConsultation.consultation;

// The per-event reads of the subscription resolver (hand-written, so unquoted; the ORM quotes).
const isEventLoad = (sql: string) => /^select c\.id, c\.status, [^]* from consultations c join /.test(sql);
const joinsCharge = (sql: string) => /left join consultation_charges/.test(sql);
const isChargeLoad = (sql: string) => /^select status, .* from consultation_charges where consultation_id = /.test(sql);

describe('consultationStatusChanged', () => {
  it('tells the client, the advisor and admins, each in their own view, and nobody else', async () => {
    const stranger = await t.user();
    const before = t.app.ws.activeSubscriptions;
    const subs = {
      client: subscribe(t.url, client.token, ConsultationStatusChangedDocument, {}),
      advisor: subscribe(t.url, advisor.user.token, ConsultationStatusChangedDocument, {}),
      admin: subscribe(t.url, admin.token, ConsultationStatusChangedDocument, {}),
      stranger: subscribe(t.url, stranger.token, ConsultationStatusChangedDocument, {}),
    };
    await t.app.ws.waitForSubscribers(before + 4);
    const c = await book(client, inFuture(30 * HOUR));

    const [created, paid] = await subs.client.waitFor(2);
    expect([created!.consultationStatusChanged.previousStatus, created!.consultationStatusChanged.status]).toEqual([
      null,
      'PENDING_PAYMENT',
    ]);
    expect(paid!.consultationStatusChanged).toMatchObject({ previousStatus: 'PENDING_PAYMENT', status: 'SCHEDULED' });
    expect(paid!.consultationStatusChanged.consultation).toMatchObject({ __typename: 'ClientConsultation', id: c.id, status: 'SCHEDULED' });

    const advisorEvents = await subs.advisor.waitFor(2);
    expect(advisorEvents.map((e) => e.consultationStatusChanged.consultation.__typename)).toEqual([
      'AdvisorConsultation',
      'AdvisorConsultation',
    ]);
    expect(JSON.stringify(advisorEvents)).not.toContain(client.email);
    expect(JSON.stringify(advisorEvents)).not.toContain('Hidden');
    expect(JSON.stringify(advisorEvents)).not.toContain(client.id);

    const adminEvents = await subs.admin.waitFor(2);
    expect(adminEvents[1]!.consultationStatusChanged.consultation.__typename).toBe('AdminConsultation');

    // The event's row is read without the ORM; each view of it must be the one a query gives.
    const queried = async (who: TestUser) => expectOk(await t.gql(GetConsultationDocument, { id: c.id }, who.token)).consultation;
    expect(paid!.consultationStatusChanged.consultation).toEqual(await queried(client));
    expect(advisorEvents[1]!.consultationStatusChanged.consultation).toEqual(await queried(advisor.user));
    expect(adminEvents[1]!.consultationStatusChanged.consultation).toEqual(await queried(admin));

    await new Promise((r) => setTimeout(r, 300));
    expect(subs.stranger.events).toEqual([]);
    await Promise.all(Object.values(subs).map((s) => s.close()));
  });

  it('loads and executes an event once per viewer and operation, not once per subscriber', async () => {
    // Earlier tests' subscriptions end shortly after their sockets close; counted, they would hide ours.
    for (let waited = 0; t.app.ws.activeSubscriptions > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const before = t.app.ws.activeSubscriptions;
    const clientSubs = Array.from({ length: 4 }, () => subscribe(t.url, client.token, ConsultationStatusUnreadDocument, {}));
    const advisorSubs = Array.from({ length: 3 }, () => subscribe(t.url, advisor.user.token, ConsultationStatusUnreadDocument, {}));
    await t.app.ws.waitForSubscribers(before + 7);
    t.statements.length = 0;
    await book(client, inFuture(38 * HOUR));
    const [clientEvents, advisorEvents] = await Promise.all([
      Promise.all(clientSubs.map((s) => s.waitFor(2))),
      Promise.all(advisorSubs.map((s) => s.waitFor(2))),
    ]);
    for (const events of clientEvents)
      expect(events.map((e) => [e.consultationStatusChanged.status, e.consultationStatusChanged.consultation.__typename])).toEqual([
        ['PENDING_PAYMENT', 'ClientConsultation'],
        ['SCHEDULED', 'ClientConsultation'],
      ]);
    for (const events of advisorEvents)
      expect(events.map((e) => e.consultationStatusChanged.consultation.__typename)).toEqual([
        'AdvisorConsultation',
        'AdvisorConsultation',
      ]);
    // Two events, each read once for everybody (with its parties, no lock); the unread count once per
    // viewer (two), not per subscriber (seven).
    // One statement per event, the client's charge joined in it.
    expect(t.statements.filter(isEventLoad).filter(joinsCharge)).toHaveLength(2);
    expect(t.statements.filter(isEventLoad)).toHaveLength(2);
    expect(t.statements.filter(isChargeLoad)).toHaveLength(0);
    expect(t.statements.filter((s) => /count\(\*\)::int as n from "consultation_messages"/.test(s))).toHaveLength(4);
    await Promise.all([...clientSubs, ...advisorSubs].map((s) => s.close()));
  });

  it('reads the charge of an event only when a client is among its subscribers', async () => {
    for (let waited = 0; t.app.ws.activeSubscriptions > 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    const before = t.app.ws.activeSubscriptions;
    const advisorSubs = Array.from({ length: 2 }, () => subscribe(t.url, advisor.user.token, ConsultationStatusUnreadDocument, {}));
    await t.app.ws.waitForSubscribers(before + 2);
    t.statements.length = 0;
    await book(client, inFuture(40 * HOUR));
    await Promise.all(advisorSubs.map((s) => s.waitFor(2)));
    expect(t.statements.filter(isEventLoad)).toHaveLength(2);
    expect(t.statements.filter(isEventLoad).filter(joinsCharge)).toHaveLength(0);
    expect(t.statements.filter(isChargeLoad)).toHaveLength(0);
    await Promise.all(advisorSubs.map((s) => s.close()));
  });

  it('follows one consultation by id, and refuses one the viewer is no party to', async () => {
    const c = await book(client, inFuture(32 * HOUR));
    const before = t.app.ws.activeSubscriptions;
    const one = subscribe(t.url, advisor.user.token, ConsultationStatusChangedDocument, { consultationId: c.id });
    await t.app.ws.waitForSubscribers(before + 1);
    expectOk(await t.gql(CancelConsultationDocument, { id: c.id, reason: 'Ill' }, client.token));
    const [e] = await one.waitFor(1);
    expect(e!.consultationStatusChanged).toMatchObject({ previousStatus: 'SCHEDULED', status: 'CANCELLED' });
    await one.close();

    const stranger = await t.user();
    const refused = subscribe(t.url, stranger.token, ConsultationStatusChangedDocument, { consultationId: c.id });
    await expect(refused.waitFor(1, 5000)).rejects.toThrow(/NOT_FOUND/);
    await refused.close();
  });

  it('closes a socket that brings no token or a bad one, as unauthenticated', async () => {
    for (const token of [undefined, 'not-a-token']) {
      const ws = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
      await new Promise((r) => ws.once('open', r));
      ws.send(JSON.stringify({ type: 'connection_init', payload: token ? { authorization: `Bearer ${token}` } : {} }));
      const code = await new Promise<number>((r) => ws.once('close', (c: number) => r(c)));
      expect(code).toBe(4403);
    }
  });

  it('delivers an event made on one server instance to a subscriber of another', async () => {
    const second = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      const before = second.app.ws.activeSubscriptions;
      const sub = subscribe(second.url, client.token, ConsultationStatusChangedDocument, {});
      await second.app.ws.waitForSubscribers(before + 1);
      const c = await book(client, inFuture(34 * HOUR)); // made through the first instance
      const events = await sub.waitFor(2);
      expect(events.map((e) => [e.consultationStatusChanged.consultation.id, e.consultationStatusChanged.status])).toEqual([
        [c.id, 'PENDING_PAYMENT'],
        [c.id, 'SCHEDULED'],
      ]);
      await sub.close();
    } finally {
      await second.close();
    }
  });

  it('publishes nothing for a change that rolls back', async () => {
    const before = t.app.ws.activeSubscriptions;
    const sub = subscribe(t.url, client.token, ConsultationStatusChangedDocument, {});
    await t.app.ws.waitForSubscribers(before + 1);
    // A booking commits two changes (created, paid): two events. An overlapping booking rolls
    // back entirely: none.
    const c = await book(client, inFuture(36 * HOUR));
    await sub.waitFor(2);
    const clash = await t.gql(
      BookConsultationDocument,
      { input: { advisorId: advisor.advisorId, durationMinutes: 30, startTime: c.startTime, paymentMethodId: 'pm_card_visa' } },
      (await t.user()).token,
    );
    expect(clash.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await new Promise((r) => setTimeout(r, 400));
    expect(sub.events).toHaveLength(2);
    await sub.close();
  });
});
