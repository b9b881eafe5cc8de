import {
  BookConsultationDocument,
  ConsultationMessageAddedDocument,
  ConsultationMessagesDocument,
  MarkMessagesReadDocument,
  MyConsultationsUnreadDocument,
  SendConsultationMessageDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, moveConsultation, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { subscribe } from './helpers/ws';

let t: TestApp;
let admin: TestUser;
let advisor: AdvisorFixture;
let client: TestUser;

beforeAll(async () => {
  // The unread-message email after 3 seconds instead of an hour.
  t = await startTestApp({ CHAT_UNREAD_EMAIL_MINUTES: '0.05' });
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
  advisor = await makeAdvisor(t, admin);
  client = await t.user({ givenName: 'Cleo', familyName: 'Secretlastname' });
});
afterAll(() => t.close());

let hours = 30;
async function book(who: TestUser = client, adv: AdvisorFixture = advisor): Promise<string> {
  hours += 2;
  const r = await t.gql(
    BookConsultationDocument,
    {
      input: {
        advisorId: adv.advisorId,
        durationMinutes: 30,
        startTime: inFuture(hours * HOUR).toISOString(),
        paymentMethodId: 'pm_card_visa',
      },
    },
    who.token,
  );
  return expectOk(r).bookConsultation.consultation.id;
}

const send = (consultationId: string, text: string, who: TestUser) =>
  t.gql(SendConsultationMessageDocument, { consultationId, text }, who.token);
const sendOk = async (consultationId: string, text: string, who: TestUser) =>
  expectOk(await send(consultationId, text, who)).sendConsultationMessage;
const unreadOf = async (who: TestUser, as: 'CLIENT' | 'ADVISOR') =>
  new Map(
    expectOk(await t.gql(MyConsultationsUnreadDocument, { filter: { as } }, who.token)).myConsultations.edges.map((e) => [
      e.node.id,
      e.node.unreadMessages,
    ]),
  );

describe('consultation chat', () => {
  it('delivers live to the client and the advisor, to nobody else, with the client’s first name only', async () => {
    const c = await book();
    const other = await book(await t.user()); // the same advisor, another client
    const stranger = await t.user();
    const before = t.app.ws.activeSubscriptions;
    const subs = {
      client: subscribe(t.url, client.token, ConsultationMessageAddedDocument, { consultationId: c }),
      advisor: subscribe(t.url, advisor.user.token, ConsultationMessageAddedDocument, { consultationId: c }),
      advisorOther: subscribe(t.url, advisor.user.token, ConsultationMessageAddedDocument, { consultationId: other }),
    };
    await t.app.ws.waitForSubscribers(before + 3);
    const refused = subscribe(t.url, stranger.token, ConsultationMessageAddedDocument, { consultationId: c });
    await expect(refused.waitFor(1, 5000)).rejects.toThrow(/NOT_FOUND/);
    await refused.close();

    const sent = await sendOk(c, '  Hello, can we talk about React?  ', client);
    expect(sent).toMatchObject({ text: 'Hello, can we talk about React?', from: 'CLIENT', senderName: 'Cleo', mine: true });
    const [toAdvisor] = await subs.advisor.waitFor(1);
    expect(toAdvisor!.consultationMessageAdded).toMatchObject({
      id: sent.id,
      consultationId: c,
      from: 'CLIENT',
      senderName: 'Cleo',
      mine: false,
    });
    const [toClient] = await subs.client.waitFor(1);
    expect(toClient!.consultationMessageAdded).toMatchObject({ id: sent.id, mine: true });

    const reply = await sendOk(c, 'Sure, see you then.', advisor.user);
    expect(reply).toMatchObject({ from: 'ADVISOR', senderName: 'Ada Advisor', mine: true });
    expect((await subs.client.waitFor(2))[1]!.consultationMessageAdded).toMatchObject({ id: reply.id, from: 'ADVISOR', mine: false });
    await subs.advisor.waitFor(2);

    // The advisor's view, live and listed, carries the client's first name and nothing else of them.
    const listed = expectOk(await t.gql(ConsultationMessagesDocument, { consultationId: c }, advisor.user.token)).consultationMessages;
    expect(listed.edges.map((e) => e.node.text)).toEqual(['Hello, can we talk about React?', 'Sure, see you then.']);
    for (const seen of [JSON.stringify(subs.advisor.events), JSON.stringify(listed)]) {
      expect(seen).toContain('Cleo');
      expect(seen).not.toContain('Secretlastname');
      expect(seen).not.toContain(client.email);
      expect(seen).not.toContain(client.id);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(subs.advisorOther.events).toEqual([]);
    expect(subs.client.events).toHaveLength(2);
    await Promise.all(Object.values(subs).map((s) => s.close()));

    // Nobody else reads or writes it; an admin (support) does both.
    expect(codeOf(await t.gql(ConsultationMessagesDocument, { consultationId: c }, stranger.token))).toBe('NOT_FOUND');
    expect(codeOf(await send(c, 'hi', stranger))).toBe('NOT_FOUND');
    expect(await sendOk(c, 'Support here.', admin)).toMatchObject({ from: 'SUPPORT', senderName: null, mine: true });
  });

  it('pages with the connection helper, both ways', async () => {
    const c = await book();
    for (let i = 1; i <= 5; i++) await sendOk(c, `m${i}`, i % 2 ? client : advisor.user);
    const page = (v: object) => t.gql(ConsultationMessagesDocument, { consultationId: c, ...v }, client.token);
    const first = expectOk(await page({ first: 2 })).consultationMessages;
    expect(first.edges.map((e) => e.node.text)).toEqual(['m1', 'm2']);
    expect(first.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = expectOk(await page({ first: 10, after: first.pageInfo.endCursor })).consultationMessages;
    expect(next.edges.map((e) => e.node.text)).toEqual(['m3', 'm4', 'm5']);
    expect(next.pageInfo.hasNextPage).toBe(false);
    const newest = expectOk(await page({ last: 2 })).consultationMessages;
    expect(newest.edges.map((e) => e.node.text)).toEqual(['m4', 'm5']);
    expect(newest.pageInfo.hasPreviousPage).toBe(true);
    expect(codeOf(await page({ first: 2, after: 'nonsense' }))).toBe('BAD_USER_INPUT');
  });

  it('counts unread messages on myConsultations in one statement, and markMessagesRead clears them', async () => {
    const adv = await makeAdvisor(t, admin);
    const clients = [await t.user({ givenName: 'Una' }), await t.user({ givenName: 'Duo' }), await t.user({ givenName: 'Tri' })];
    const ids: string[] = [];
    for (const [i, who] of clients.entries()) {
      const id = await book(who, adv);
      ids.push(id);
      for (let n = 0; n <= i; n++) await sendOk(id, `message ${n}`, who);
    }
    await sendOk(ids[2]!, 'from the advisor', adv.user);
    t.statements.length = 0;
    const counts = await unreadOf(adv.user, 'ADVISOR');
    expect(ids.map((id) => counts.get(id))).toEqual([1, 2, 0]); // writing reads what came before
    // The unread counts (count(*) ... group by): one statement for the page. Other reads of the table
    // (a send's own bookkeeping finishing late under load) are not part of the page.
    expect(t.statements.filter((s) => /count\(\*\)::int as n from "consultation_messages"/.test(s))).toHaveLength(1);
    expect((await unreadOf(clients[2]!, 'CLIENT')).get(ids[2]!)).toBe(1);

    expect(expectOk(await t.gql(MarkMessagesReadDocument, { consultationId: ids[1]! }, adv.user.token)).markMessagesRead).toBe(2);
    expect(expectOk(await t.gql(MarkMessagesReadDocument, { consultationId: ids[1]! }, adv.user.token)).markMessagesRead).toBe(0);
    expect((await unreadOf(adv.user, 'ADVISOR')).get(ids[1]!)).toBe(0);
  });

  it('limits size and rate, and closes 7 days after the end', async () => {
    const c = await book();
    const long = await send(c, 'x'.repeat(2001), client);
    expect(codeOf(long)).toBe('BAD_USER_INPUT');
    expect(long.errors?.[0]?.extensions?.fields).toEqual([{ field: 'text', message: 'must be at most 2000 characters' }]);
    expect(codeOf(await send(c, '   ', client))).toBe('BAD_USER_INPUT');
    await sendOk(c, 'y'.repeat(2000), client);
    for (let i = 1; i < 20; i++) await sendOk(c, `burst ${i}`, client);
    const limited = await send(c, 'one too many', client);
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.errors?.[0]?.extensions?.retryAfter).toEqual(expect.any(Number));
    // The limit is per person: the advisor still writes.
    await sendOk(c, 'I am here', advisor.user);

    const old = await book();
    await moveConsultation(t, old, new Date(Date.now() - 8 * 24 * HOUR));
    const closed = await send(old, 'too late', client);
    expect(codeOf(closed)).toBe('CONFLICT');
    expect(closed.errors?.[0]?.extensions?.reason).toBe('CHAT_CLOSED');
    await moveConsultation(t, old, new Date(Date.now() - 6 * 24 * HOUR));
    await sendOk(old, 'still open', client);
  });

  it('emails once when messages wait unread, and not when they were read in time', async () => {
    const c = await book();
    for (const text of ['one', 'two', 'three']) await sendOk(c, text, client);
    const read = await book();
    await sendOk(read, 'read me quickly', client);
    expectOk(await t.gql(MarkMessagesReadDocument, { consultationId: read }, advisor.user.token));

    const mail = await waitFor(
      () => t.emails.sent.find((e) => e.template === 'advisor-chat-unread' && e.text.includes('(unread: 3)')),
      15_000,
      'the unread-message email',
    );
    expect(mail.to).toBe(advisor.user.email);
    expect(mail.text).toContain('Cleo');
    expect(mail.text).not.toContain('Secretlastname');
    await new Promise((r) => setTimeout(r, 4000));
    const chatMails = t.emails.sent.filter((e) => e.template === 'advisor-chat-unread' && e.text.includes(`/consultations/${read}`));
    expect(chatMails).toEqual([]);
    expect(t.emails.sent.filter((e) => e.template === 'advisor-chat-unread' && e.text.includes(`/consultations/${c}`))).toHaveLength(1);
  });
});
