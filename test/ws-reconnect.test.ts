/**
 * A frontend's live status socket across a token refresh: the server closes the socket at the
 * token's exp with 4403, graphql-ws retries (4403 is not fatal to it), connectionParams is read
 * again and brings the fresh token, and the subscription goes on.
 */
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { signToken } from '../src/auth/token';
import { BookConsultationDocument, ConsultationStatusChangedDocument } from './generated/graphql';
import { startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, waitFor } from './helpers/fixtures';

let t: TestApp;
let client: TestUser;
beforeAll(async () => {
  t = await startTestApp();
  client = await t.user({ givenName: 'Rey' });
});
afterAll(() => t.close());

const tokenFor = (user: TestUser, expiresIn: string | number) =>
  signToken({ sub: user.id, email: user.email, givenName: user.givenName, roles: user.roles }, t.config.auth.jwtSecret, expiresIn);

describe('WebSocket tokens', () => {
  it('refuses an expired token at connect with 4403', async () => {
    const expired = await tokenFor(client, Math.floor(Date.now() / 1000) - 60);
    const ws = createClient({
      url: `${t.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${expired}` },
    });
    const error = await new Promise<{ code: number; reason: string }>((resolve) =>
      ws.subscribe(
        { query: '{ pricing { sku } }' },
        { next: () => undefined, error: (e) => resolve(e as never), complete: () => undefined },
      ),
    );
    expect(error).toMatchObject({ code: 4403, reason: 'Forbidden' });
    await ws.dispose();
  });

  it('closes at exp with 4403, and a client that re-reads its token reconnects and keeps its subscription', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const advisor = await makeAdvisor(t, admin);
    let token = await tokenFor(client, '3s');
    const exp = Date.now() + 3000;
    const closes: { code: number; reason: string; at: number }[] = [];
    let connects = 0;
    let paramsRead = 0;
    const ws = createClient({
      url: `${t.url.replace('http', 'ws')}/graphql`,
      webSocketImpl: WebSocket,
      lazy: true,
      retryAttempts: 5,
      retryWait: () => new Promise((r) => setTimeout(r, 100)),
      // As the README shows: read the current token on every (re)connect.
      connectionParams: async () => {
        paramsRead++;
        return { authorization: `Bearer ${token}` };
      },
      on: {
        connected: () => void connects++,
        closed: (e) =>
          void closes.push({
            code: (e as { code: number; reason: string }).code,
            reason: (e as { code: number; reason: string }).reason,
            at: Date.now(),
          }),
      },
    });
    const events: { status: string }[] = [];
    const errors: unknown[] = [];
    ws.subscribe<{ consultationStatusChanged: { status: string } }>(
      { query: print(ConsultationStatusChangedDocument), variables: {} },
      {
        next: (v) => (v.data ? events.push(v.data.consultationStatusChanged) : errors.push(v.errors)),
        error: (e) => errors.push(e),
        complete: () => undefined,
      },
    );
    await t.app.ws.waitForSubscribers(1);
    // The app refreshes its token before the old one runs out, as a frontend would.
    token = await tokenFor(client, '1h');

    await waitFor(() => closes.length > 0, 8000, 'the close at exp');
    expect(closes[0]).toMatchObject({ code: 4403, reason: 'Token expired' });
    expect(closes[0]!.at).toBeGreaterThanOrEqual(exp - 1000); // exp has whole seconds
    await waitFor(() => connects === 2, 5000, 'the reconnect');
    expect(paramsRead).toBe(2);
    await t.app.ws.waitForSubscribers(1);

    const input = {
      advisorId: advisor.advisorId,
      durationMinutes: 30,
      startTime: inFuture(30 * HOUR).toISOString(),
      paymentMethodId: 'pm_card_visa',
    };
    expectOk(await t.gql(BookConsultationDocument, { input }, client.token));
    await waitFor(() => events.some((e) => e.status === 'SCHEDULED'), 10_000, 'the event after reconnecting');
    expect(errors).toEqual([]);
    expect(closes).toHaveLength(1);
    await ws.dispose();
  });
});
