import pino from 'pino';
import { logRedaction, maskEmails } from '../src/log-redact';
import { startTestApp, type TestApp } from './helpers/app';
import { makeAdvisor, waitFor } from './helpers/fixtures';
import { wsConnect } from './helpers/ws-run';

function capture() {
  const out: string[] = [];
  return { out, stream: { write: (s: string) => void out.push(s) } };
}

describe('email addresses and tokens stay out of the logs (issue 11, finding 10)', () => {
  it('masks addresses in fields, messages and errors, and drops credentials', () => {
    const { out, stream } = capture();
    const log = pino({ level: 'info', ...logRedaction }, stream);
    const err = Object.assign(new Error('duplicate key for ada@example.com'), {
      detail: 'Key (email)=(ada@example.com) already exists.',
    });
    log.info({ email: { to: 'ada@example.com', template: 'booking-confirmed' } }, 'email sent');
    log.info({ req: { url: '/x?email=bob@example.org', headers: { authorization: 'Bearer eyJ.secret.sig', host: 'h' } } }, 'request');
    log.warn(
      { connectionParams: { authorization: 'Bearer eyJ.secret.sig' }, user: { email: 'cy@example.net' } },
      'for %s',
      'dee@example.com',
    );
    log.error({ err }, 'failed');
    const text = out.join('');
    expect(text).not.toMatch(/ada@|bob@|cy@|dee@|eyJ\.secret/);
    const lines = out.map((l) => JSON.parse(l));
    expect(lines[0].email).toEqual({ to: 'a***@example.com', template: 'booking-confirmed' });
    expect(lines[1].req.headers).toEqual({ authorization: '[redacted]', host: 'h' });
    expect(lines[2].msg).toBe('for d***@example.com');
    expect(lines[3].err.detail).toBe('Key (email)=(a***@example.com) already exists.');
    expect(maskEmails('no address here')).toBe('no address here');
  });

  let t: TestApp;
  const logs = capture();
  beforeAll(async () => {
    t = await startTestApp({ LOG_LEVEL: 'debug' }, { logStream: logs.stream });
  });
  afterAll(() => t.close());

  it('logs a sent email, a request and a WebSocket connection without the addresses or the token', async () => {
    const admin = await t.user({ roles: ['admin'] });
    const advisor = await makeAdvisor(t, admin);
    await waitFor(() => t.emails.sent.some((m) => m.to === advisor.user.email), 10_000, 'the approval email');
    const c = wsConnect(t.url, advisor.user.token);
    expect((await c.run('{ pricing { sku } }')).result?.data).toBeTruthy();
    await c.dispose();
    const text = logs.out.join('');
    expect(text).toMatch(/email logged, not sent/);
    for (const secret of [advisor.user.email, admin.email, advisor.user.token, admin.token]) expect(text).not.toContain(secret);
  });
});
