import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import Stripe from 'stripe';
import {
  BookConsultationDocument,
  CancelConsultationDocument,
  CompleteConsultationDocument,
  EmailsDocument,
  MyEmailPreferencesDocument,
  ReactivateAdvisorDocument,
  RefundConsultationDocument,
  RejectAdvisorDocument,
  ResendEmailDocument,
  ReviewConsultationDocument,
  SuspendAdvisorDocument,
  UpdateAdvisorEmailSettingsDocument,
} from './generated/graphql';
import { codeOf, startTestApp, type TestApp, type TestUser } from './helpers/app';
import { expectOk, HOUR, inFuture, makeAdvisor, sql, waitFor, type AdvisorFixture } from './helpers/fixtures';
import { startSmtpCapture, type ReceivedMail, type SmtpCapture } from './helpers/smtp';
import { cal, postCalcom } from './helpers/webhooks';

let t: TestApp;
let smtp: SmtpCapture;
let admin: TestUser;
const logLines: string[] = [];
const DAY = 24 * HOUR;

beforeAll(async () => {
  smtp = await startSmtpCapture();
  t = await startTestApp(
    {
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'debug',
      PUBLIC_APP_URL: 'https://app.example.test',
      BOOKING_HORIZON_DAYS: '730',
      EMAIL_MAX_ATTEMPTS: '2',
      RATING_PROMPT_DELAY_MINUTES: '0.05',
    },
    { realEmail: true, logStream: { write: (line: string) => void logLines.push(line) } },
  );
  admin = await t.user({ roles: ['admin'], givenName: 'Root' });
});
afterAll(async () => {
  await t.close();
  await smtp.close();
});

// ---------------------------------------------------------------- helpers

const nbsp = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');
const unfold = (ics: string) => ics.replace(/\r\n[ \t]/g, '');

async function advisorIn(opts: { timezone?: string; locale?: string; givenName?: string } = {}): Promise<AdvisorFixture> {
  const advisor = await makeAdvisor(t, admin, { givenName: opts.givenName ?? 'Ada' });
  if (opts.timezone || opts.locale) {
    expectOk(
      await t.gql(UpdateAdvisorEmailSettingsDocument, { input: { timezone: opts.timezone, locale: opts.locale } }, advisor.user.token),
    );
  }
  return advisor;
}

const newClient = () => t.user({ givenName: 'Cleo', familyName: 'Secretlastname' });

async function bookOk(
  client: TestUser,
  advisorId: string,
  start: Date,
  extra: { locale?: string; clientTimezone?: string; calBookingId?: string; paymentMethodId?: string | null } = {},
) {
  const r = await t.gql(
    BookConsultationDocument,
    {
      input: {
        advisorId,
        durationMinutes: 30,
        startTime: start.toISOString(),
        paymentMethodId: extra.paymentMethodId === undefined ? 'pm_card_visa' : extra.paymentMethodId,
        locale: extra.locale,
        clientTimezone: extra.clientTimezone,
        calBookingId: extra.calBookingId,
      },
    },
    client.token,
  );
  return expectOk(r).bookConsultation.consultation;
}

/** The messages with this subject or template that reached `address`, waiting until `count` have. */
async function mailsTo(address: string, match: (m: ReceivedMail) => boolean, count = 1, timeoutMs = 15_000): Promise<ReceivedMail[]> {
  return waitFor(
    () => {
      const found = smtp.to(address).filter(match);
      return found.length >= count ? found : null;
    },
    timeoutMs,
    `${count} email(s) to ${address}`,
  );
}

const bySubject = (re: RegExp) => (m: ReceivedMail) => re.test(m.parsed.subject ?? '');

const outboxOf = (template: string, address: string) =>
  sql<{ id: string; status: string; attempts: number; last_error: string | null }>(
    t,
    'select id, status, attempts, last_error from email_outbox where template = ? and to_address = ? order by created_at',
    [template, address],
  );

/** Waits until nothing is left to deliver: no pending email whose time has come, no delivery job running. */
async function settled(): Promise<void> {
  await waitFor(
    async () => {
      const [row] = await sql<{ n: string }>(
        t,
        `select (select count(*) from graphile_worker.jobs where task_identifier in ('deliver_email', 'process_webhook_event') and run_at <= now())
              + (select count(*) from email_outbox where status = 'pending' and template <> 'consultation-rating') as n`,
      );
      return Number(row!.n) === 0;
    },
    20_000,
    'the outbox to settle',
  );
}

/** A header as sent (unfolded), not as mailparser interprets it. */
function headerOf(m: ReceivedMail, name: string): string | null {
  const head = m.raw.split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line ? line.slice(name.length + 1).trim() : null;
}

function calendarOf(m: ReceivedMail): string {
  const part = m.parsed.attachments.find((a) => a.contentType.startsWith('text/calendar'));
  if (!part) throw new Error(`no text/calendar part in "${m.parsed.subject}"`);
  return unfold(part.content.toString('utf8'));
}

/** Everything an advisor could read in a message: raw source, decoded parts, headers, attachments. */
function everything(m: ReceivedMail): string {
  return [
    m.raw,
    m.parsed.subject,
    m.parsed.text,
    m.parsed.html || '',
    JSON.stringify([...m.parsed.headers.entries()]),
    ...m.parsed.attachments.map((a) => a.content.toString('utf8')),
  ].join('\n');
}

function expectNothingAbout(client: TestUser, m: ReceivedMail) {
  const all = everything(m);
  for (const secret of [client.email, client.familyName, client.id]) expect(all).not.toContain(secret);
}

/** The first Sunday of November (New York leaves daylight saving time) comfortably ahead. */
function nextNewYorkFallBack(): Date {
  for (let y = new Date().getUTCFullYear(); ; y++) {
    const d = new Date(Date.UTC(y, 10, 1));
    while (d.getUTCDay() !== 0) d.setUTCDate(d.getUTCDate() + 1);
    if (d.getTime() - 3 * DAY > Date.now() + 3 * HOUR) return d;
  }
}

/** The last Sunday of March (Berlin enters daylight saving time) comfortably ahead. */
function nextBerlinSpringForward(): Date {
  for (let y = new Date().getUTCFullYear(); ; y++) {
    const d = new Date(Date.UTC(y, 2, 31));
    while (d.getUTCDay() !== 0) d.setUTCDate(d.getUTCDate() - 1);
    if (d.getTime() - 3 * DAY > Date.now() + 3 * HOUR) return d;
  }
}

// ---------------------------------------------------------------- tests

describe('booking confirmation', () => {
  it('reaches the client and the advisor over SMTP, in each reader’s time zone across a DST change, with an .ics for the client', async () => {
    const advisor = await advisorIn({ timezone: 'Europe/Berlin' });
    const client = await newClient();
    const sunday = nextNewYorkFallBack();
    const beforeChange = new Date(sunday.getTime() - 2 * DAY + 13 * HOUR); // Friday 09:00 EDT
    const afterChange = new Date(sunday.getTime() + DAY + 14 * HOUR); // Monday 09:00 EST
    const ids = [];
    for (const start of [beforeChange, afterChange]) {
      ids.push((await bookOk(client, advisor.advisorId, start, { locale: 'en-US', clientTimezone: 'America/New_York' })).id);
    }

    const toClient = await mailsTo(client.email, bySubject(/^Confirmed: your consultation with Ada Advisor$/), 2);
    const toAdvisor = await mailsTo(advisor.user.email, bySubject(/^New booking: Cleo, /), 2);
    for (const [i, start] of [beforeChange, afterChange].entries()) {
      const zone = i === 0 ? 'EDT' : 'EST';
      const localDay = new Intl.DateTimeFormat('en-US', { weekday: 'long', month: 'long', day: 'numeric', timeZone: 'UTC' }).format(
        new Date(start.getTime() - 6 * HOUR),
      );
      const mail = toClient.find((m) => m.parsed.text!.includes(localDay))!;
      expect(mail).toBeDefined();
      expect(mail.rcptTo).toEqual([client.email]);
      expect(mail.parsed.to).toMatchObject({ value: [{ address: client.email }] });
      expect(mail.parsed.from).toMatchObject({ value: [{ address: 'no-reply@advisor.example', name: 'Advisor Network' }] });
      for (const part of [nbsp(mail.parsed.text!), nbsp(mail.parsed.html as string)]) {
        expect(part).toContain(`${localDay}, ${start.getUTCFullYear()} at 9:00 AM ${zone}`);
        expect(part).toContain('30 minutes');
        expect(part).toContain('$19.00');
        expect(part).toContain('Cancellation policy');
        expect(part).toContain('Hello Cleo,');
      }
      expect(mail.parsed.html).toContain('<html lang="en" dir="ltr"');
      // A confirmation is not something one can opt out of.
      expect(headerOf(mail, 'List-Unsubscribe')).toBeNull();

      const id = ids[i]!;
      const [row] = await sql<{ id: string }>(t, 'select id from email_outbox where dedupe_key = ?', [`booking-confirmed:${id}`]);
      expect(mail.parsed.messageId).toBe(`<${row!.id}@advisor.example>`);
      const ics = calendarOf(mail);
      expect(ics).toContain('\r\nMETHOD:REQUEST\r\n');
      expect(ics).toContain(`\r\nUID:consultation-${id}@advisor.example\r\n`);
      expect(ics).toContain('\r\nSEQUENCE:0\r\n');
      const utc = start
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '');
      expect(ics).toContain(`\r\nDTSTART:${utc}\r\n`);
    }

    // The advisor reads Berlin time (an hour after New York's 9:00 + 6 h in November) and the client's first name only.
    const berlin = toAdvisor.map((m) => nbsp(m.parsed.text!));
    expect(berlin.some((text) => text.includes('at 2:00 PM GMT+1'))).toBe(true);
    expect(berlin.every((text) => text.includes('Cleo booked a consultation with you.'))).toBe(true);
    for (const mail of toAdvisor) {
      expect(mail.parsed.attachments).toEqual([]);
      expectNothingAbout(client, mail);
    }
  });

  it('reaches an Arabic-speaking client right to left, in Berlin time across the spring change', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const sunday = nextBerlinSpringForward();
    const starts = [new Date(sunday.getTime() - 2 * DAY + 8 * HOUR), new Date(sunday.getTime() + DAY + 7 * HOUR)]; // both 09:00 in Berlin
    for (const start of starts) await bookOk(client, advisor.advisorId, start, { locale: 'ar', clientTimezone: 'Europe/Berlin' });
    const mails = await mailsTo(client.email, bySubject(/^تم تأكيد استشارتك مع Ada Advisor$/), 2);
    const opts: Intl.DateTimeFormatOptions = {
      weekday: 'long',
      year: 'numeric',
      month: 'long',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: 'Europe/Berlin',
      timeZoneName: 'short',
    };
    const offsets = new Set<string>();
    for (const start of starts) {
      const expected = new Intl.DateTimeFormat('ar', opts).format(start);
      const mail = mails.find((m) => m.parsed.text!.includes(expected))!;
      expect(mail).toBeDefined();
      expect(expected).toMatch(/9:00|٩:٠٠/);
      offsets.add(expected.slice(-6));
      expect(mail.parsed.html).toMatch(/<html lang="ar" dir="rtl"/);
      expect(mail.parsed.html).toContain('text-align:right');
      expect(mail.parsed.html).toContain(expected);
      expect(mail.parsed.text).toContain('مرحبًا Cleo،');
      expect(mail.parsed.text).toContain('سياسة الإلغاء');
      expect(mail.parsed.text).toContain(new Intl.NumberFormat('ar', { style: 'currency', currency: 'USD' }).format(19));
    }
    // Same wall-clock time, two different offsets: the date was formatted for each day, not for today.
    expect(offsets.size).toBe(2);
  });
});

describe('cancellation', () => {
  it('cancels the invitation under the same UID with a higher SEQUENCE, tells the refund, and drops the reminders', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const c = await bookOk(client, advisor.advisorId, inFuture(3 * DAY), { locale: 'en', clientTimezone: 'UTC' });
    const reminders = await sql<{ key: string; run_at: Date }>(
      t,
      `select key, run_at from graphile_worker.jobs where key like ? order by key`,
      [`reminder:${c.id}:%`],
    );
    expect(reminders.map((r) => r.key)).toEqual([`reminder:${c.id}:advisor`, `reminder:${c.id}:client`]);
    for (const r of reminders) expect(new Date(r.run_at).getTime()).toBe(new Date(c.startTime).getTime() - DAY);

    await mailsTo(client.email, bySubject(/^Confirmed/));
    expectOk(await t.gql(CancelConsultationDocument, { id: c.id, reason: 'Plans changed' }, client.token));
    const [cancelled] = await mailsTo(client.email, bySubject(/^Cancelled: your consultation with Ada Advisor$/));
    expect(cancelled!.parsed.text).toContain('You cancelled more than 24 hours before the start, so you get a full refund.');
    expect(cancelled!.parsed.text).toContain('Refund: $19.00');
    const ics = calendarOf(cancelled!);
    expect(ics).toContain('\r\nMETHOD:CANCEL\r\n');
    expect(ics).toContain(`\r\nUID:consultation-${c.id}@advisor.example\r\n`);
    expect(ics).toContain('\r\nSEQUENCE:1\r\n');
    expect(ics).toContain('\r\nSTATUS:CANCELLED\r\n');

    const [toAdvisor] = await mailsTo(advisor.user.email, bySubject(/^Cancelled: consultation with Cleo$/));
    expect(toAdvisor!.parsed.text).toContain('The client cancelled it.');
    expectNothingAbout(client, toAdvisor!);
    expect(await sql(t, `select key from graphile_worker.jobs where key like ?`, [`reminder:${c.id}:%`])).toEqual([]);

    // The refund itself is in the cancellation notice: no second email about it.
    await settled();
    expect(smtp.to(client.email).map((m) => m.parsed.subject)).toEqual([
      'Confirmed: your consultation with Ada Advisor',
      'Cancelled: your consultation with Ada Advisor',
    ]);
  });

  it('explains that a late cancellation is not refunded, and tells the advisor they keep the earning', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const c = await bookOk(client, advisor.advisorId, inFuture(10 * HOUR));
    await mailsTo(client.email, bySubject(/^Confirmed/));
    expectOk(await t.gql(CancelConsultationDocument, { id: c.id }, client.token));
    const [mail] = await mailsTo(client.email, bySubject(/^Cancelled/));
    expect(mail!.parsed.text).toContain(
      'You cancelled 24 hours or less before the start: under the cancellation policy there is no refund.',
    );
    expect(mail!.parsed.text).not.toContain('Refund:');
    const [toAdvisor] = await mailsTo(advisor.user.email, bySubject(/^Cancelled/));
    expect(toAdvisor!.parsed.text).toContain('you keep your earning for it');
  });
});

describe('admin refund of a scheduled consultation', () => {
  it('is one cancellation notice with the refund for the client, and a cancellation for the advisor', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const c = await bookOk(client, advisor.advisorId, inFuture(3 * DAY));
    await mailsTo(client.email, bySubject(/^Confirmed/));
    expectOk(await t.gql(RefundConsultationDocument, { id: c.id, reason: 'Advisor unavailable' }, admin.token));
    const [mail] = await mailsTo(client.email, bySubject(/^Cancelled/));
    expect(mail!.parsed.text).toContain('It was cancelled on our side, so you get a full refund.');
    expect(mail!.parsed.text).toContain('Refund: $19.00');
    const [toAdvisor] = await mailsTo(advisor.user.email, bySubject(/^Cancelled/));
    expect(toAdvisor!.parsed.text).toContain('It was cancelled on our side.');
    await waitFor(
      async () =>
        (await sql(t, `select 1 from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ?`, [c.id]))
          .length,
      10_000,
      'the refund',
    );
    await settled();
    expect(smtp.to(client.email).map((m) => m.parsed.subject)).toEqual([
      'Confirmed: your consultation with Ada Advisor',
      'Cancelled: your consultation with Ada Advisor',
    ]);
  });
});

describe('reminders', () => {
  it('move with a reschedule and arrive once, 24 h before the new time, with a one-click opt-out', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const uid = `uid-${Date.now()}`;
    const c = await bookOk(client, advisor.advisorId, inFuture(30 * HOUR), { calBookingId: uid, locale: 'en', clientTimezone: 'UTC' });
    await mailsTo(client.email, bySubject(/^Confirmed/));
    const runAt = async () =>
      (await sql<{ run_at: Date }>(t, 'select run_at from graphile_worker.jobs where key = ?', [`reminder:${c.id}:client`]))[0]?.run_at;
    expect(new Date((await runAt())!).getTime()).toBe(new Date(c.startTime).getTime() - DAY);

    // Cal.com moves it to 24 h and a few seconds from now: the reminder is due in a few seconds.
    const newStart = new Date(Date.now() + DAY + 6_000);
    const moved = cal.rescheduled({
      uid: `${uid}-2`,
      oldUid: uid,
      start: newStart,
      minutes: 30,
      organizer: advisor.user.email,
      attendee: client.email,
    });
    expect((await postCalcom(t, moved)).status).toBe(200);
    const [notice] = await mailsTo(client.email, bySubject(/^New time: your consultation with Ada Advisor$/));
    const ics = calendarOf(notice!);
    expect(ics).toContain('\r\nMETHOD:REQUEST\r\n');
    expect(ics).toContain(`\r\nUID:consultation-${c.id}@advisor.example\r\n`);
    expect(ics).toContain('\r\nSEQUENCE:1\r\n');
    expect(ics).toContain(
      `\r\nDTSTART:${newStart
        .toISOString()
        .replace(/[-:]/g, '')
        .replace(/\.\d{3}/, '')}\r\n`,
    );
    const [advisorNotice] = await mailsTo(advisor.user.email, bySubject(/^New time: consultation with Cleo$/));
    expectNothingAbout(client, advisorNotice!);

    const [reminder] = await mailsTo(client.email, bySubject(/^Reminder: your consultation with Ada Advisor is in 24 hours$/), 1, 25_000);
    const newTime = new Intl.DateTimeFormat('en-US', { hour: 'numeric', minute: '2-digit', timeZone: 'UTC' }).format(newStart);
    expect(nbsp(reminder!.parsed.text!)).toContain(nbsp(newTime));
    const [advisorReminder] = await mailsTo(advisor.user.email, bySubject(/^Reminder: consultation with Cleo in 24 hours$/), 1, 25_000);
    expectNothingAbout(client, advisorReminder!);

    // RFC 8058 headers; the link is the one in the text.
    expect(headerOf(reminder!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<(https:\/\/app\.example\.test\/email\/unsubscribe\?token=[^>]+)>$/.exec(
      headerOf(reminder!, 'List-Unsubscribe') ?? '',
    )![1]!;
    expect(reminder!.parsed.text).toContain(link);
    expect(link).not.toContain(client.email);

    await settled();
    expect(smtp.to(client.email).filter(bySubject(/^Reminder/))).toHaveLength(1);
    expect(smtp.to(advisor.user.email).filter(bySubject(/^Reminder/))).toHaveLength(1);
  });

  it('are skipped when the consultation is no longer scheduled at their time', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const c = await bookOk(client, advisor.advisorId, new Date(Date.now() + DAY + 4_000));
    expect(await sql(t, 'select key from graphile_worker.jobs where key = ?', [`reminder:${c.id}:client`])).toHaveLength(1);
    expectOk(await t.gql(CompleteConsultationDocument, { id: c.id }, admin.token));
    await waitFor(
      async () => (await sql(t, 'select 1 from graphile_worker.jobs where key like ?', [`reminder:${c.id}:%`])).length === 0,
      20_000,
    );
    await settled();
    expect(await sql(t, `select 1 from email_outbox where template like '%reminder' and data->>'consultationId' = ?`, [c.id])).toEqual([]);
    expect(smtp.to(client.email).filter(bySubject(/^Reminder/))).toEqual([]);
  });
});

describe('exactly once', () => {
  const stripeSdk = () =>
    new Stripe('sk_test_x', { host: '127.0.0.1', port: Number(new URL(t.stripe.url).port), protocol: 'http', maxNetworkRetries: 0 });

  it('sends one confirmation when the payment webhook is delivered three times, and none when a delivery job runs again', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const c = await bookOk(client, advisor.advisorId, inFuture(3 * DAY), { paymentMethodId: null });
    const intent = [...t.stripe.paymentIntents.values()].find((p) => p.metadata.consultation_id === c.id)!;
    t.stripe.autoDeliverWebhooks = false;
    try {
      await stripeSdk().paymentIntents.confirm(intent.id, { payment_method: 'pm_card_visa', return_url: 'https://example.com/return' });
    } finally {
      t.stripe.autoDeliverWebhooks = true;
    }
    const event = t.stripe.events.find((e) => e.type === 'payment_intent.succeeded' && (e.data.object as { id: string }).id === intent.id)!;
    const deliveries = await Promise.all([t.stripe.deliver(event), t.stripe.deliver(event), t.stripe.deliver(event)]);
    expect(deliveries.map((d) => d.status)).toEqual([200, 200, 200]);

    await mailsTo(client.email, bySubject(/^Confirmed/));
    await mailsTo(advisor.user.email, bySubject(/^New booking/));
    await settled();
    expect(smtp.to(client.email)).toHaveLength(1);
    expect(smtp.to(advisor.user.email).filter(bySubject(/^New booking/))).toHaveLength(1);

    // A delivery job that runs again after the SMTP server accepted (a retry, a duplicate job) sends nothing.
    const [row] = await outboxOf('consultation-booking-confirmed', client.email);
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    await sql(t, `select graphile_worker.add_job('deliver_email', json_build_object('id', ?::text))`, [row!.id]);
    await settled();
    expect(smtp.to(client.email)).toHaveLength(1);
    expect((await outboxOf('consultation-booking-confirmed', client.email))[0]).toMatchObject({ status: 'sent', attempts: 1 });
  });
});

describe('failures', () => {
  it('retries with backoff, ends FAILED without logging the address, and an admin lists and resends it', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const from = logLines.length;
    // Real servers echo the address in their refusal: it must not reach the outbox error or the log.
    smtp.rejectRecipients((a) => a === advisor.user.email, 451, `4.7.1 <${advisor.user.email}>: Recipient address rejected: try later`);
    try {
      await bookOk(client, advisor.advisorId, inFuture(3 * DAY));
      await mailsTo(client.email, bySubject(/^Confirmed/));
      const failed = await waitFor(
        async () => (await outboxOf('advisor-new-booking', advisor.user.email)).find((r) => r.status === 'failed'),
        20_000,
        'the advisor email to fail',
      );
      expect(failed.attempts).toBe(2);
      expect(failed.last_error).toMatch(/451/);
      expect(failed.last_error).not.toContain('@');

      const list = expectOk(await t.gql(EmailsDocument, { status: 'FAILED', first: 50 }, admin.token)).emails;
      const listed = list.edges.find((e) => e.node.id === failed.id)!.node;
      expect(listed).toMatchObject({ to: advisor.user.email, template: 'advisor-new-booking', status: 'FAILED', attempts: 2 });
      expect(codeOf(await t.gql(EmailsDocument, { status: 'FAILED' }, client.token))).toBe('FORBIDDEN');
      expect(codeOf(await t.gql(ResendEmailDocument, { id: failed.id }, client.token))).toBe('FORBIDDEN');

      smtp.acceptAll();
      const resent = expectOk(await t.gql(ResendEmailDocument, { id: failed.id }, admin.token)).resendEmail;
      expect(resent).toMatchObject({ id: failed.id, status: 'PENDING', lastError: null });
      const [mail] = await mailsTo(advisor.user.email, bySubject(/^New booking/));
      expect(mail!.parsed.messageId).toBe(`<${failed.id}@advisor.example>`);
      await waitFor(async () => (await outboxOf('advisor-new-booking', advisor.user.email))[0]!.status === 'sent', 10_000);
      expect(codeOf(await t.gql(ResendEmailDocument, { id: failed.id }, admin.token))).toBe('CONFLICT');
    } finally {
      smtp.acceptAll();
    }
    const lines = logLines.slice(from).join('');
    expect(lines).toMatch(/deliver_email/);
    expect(lines).not.toContain(advisor.user.email);
    expect(lines).not.toContain(client.email);
    expect(lines).not.toMatch(/@example\.com/);
  });

  it('ends FAILED at once on a permanent refusal (5xx)', async () => {
    const advisor = await advisorIn();
    smtp.rejectRecipients((a) => a === advisor.user.email, 550, '5.1.1 Mailbox unavailable');
    try {
      expectOk(await t.gql(SuspendAdvisorDocument, { id: advisor.advisorId, note: 'Documents expired' }, admin.token));
      const failed = await waitFor(
        async () => (await outboxOf('advisor-suspend', advisor.user.email)).find((r) => r.status === 'failed'),
        10_000,
        'the suspension email to fail',
      );
      expect(failed).toMatchObject({ attempts: 1 });
      expect(failed.last_error).toMatch(/550/);
    } finally {
      smtp.acceptAll();
    }
  });
});

describe('advisor decisions', () => {
  it('carry the admin note, escaped in HTML, in the advisor language', async () => {
    const advisor = await advisorIn({ locale: 'ar' });
    const note = 'Update your <b>bio</b> & documents';
    expectOk(await t.gql(SuspendAdvisorDocument, { id: advisor.advisorId, note }, admin.token));
    const [suspended] = await mailsTo(advisor.user.email, bySubject(/^تم تعليق ملفك كمستشار$/));
    expect(suspended!.parsed.text).toContain(`ملاحظة من فريقنا: ${note}`);
    expect(suspended!.parsed.html).toContain('Update your &lt;b&gt;bio&lt;/b&gt; &amp; documents');
    expect(suspended!.parsed.html).toMatch(/<html lang="ar" dir="rtl"/);
    expectOk(await t.gql(ReactivateAdvisorDocument, { id: advisor.advisorId, note: 'Thanks, all good' }, admin.token));
    const [back] = await mailsTo(advisor.user.email, bySubject(/^أصبح ملفك كمستشار نشطًا من جديد$/));
    expect(back!.parsed.text).toContain('Thanks, all good');

    const applicant = await makeAdvisor(t, admin, { status: 'pending', givenName: 'Rex' });
    expectOk(await t.gql(RejectAdvisorDocument, { id: applicant.advisorId, note: 'Not enough experience yet' }, admin.token));
    const [rejected] = await mailsTo(applicant.user.email, bySubject(/^About your advisor application$/));
    expect(rejected!.parsed.text).toContain('Note from our team: Not enough experience yet');
  });
});

describe('after the consultation', () => {
  it('prompts for a rating unless already reviewed, and tells a later refund', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const reviewed = await bookOk(client, advisor.advisorId, inFuture(3 * DAY));
    const notReviewed = await bookOk(client, advisor.advisorId, inFuture(4 * DAY));
    for (const c of [reviewed, notReviewed]) expectOk(await t.gql(CompleteConsultationDocument, { id: c.id }, admin.token));
    expectOk(await t.gql(ReviewConsultationDocument, { consultationId: reviewed.id, input: { rating: 5 } }, client.token));

    const [prompt] = await mailsTo(client.email, bySubject(/^How was your consultation with Ada Advisor\?$/));
    expect(prompt!.parsed.text).toContain(`https://app.example.test/consultations/${notReviewed.id}/review`);
    const skipped = await waitFor(
      async () =>
        (
          await sql<{ status: string; last_error: string }>(t, 'select status, last_error from email_outbox where dedupe_key = ?', [
            `rating-prompt:${reviewed.id}`,
          ])
        ).find((r) => r.status === 'skipped'),
      10_000,
      'the reviewed prompt to be skipped',
    );
    expect(skipped.last_error).toBe('already reviewed');
    expect(smtp.to(client.email).filter(bySubject(/^How was/))).toHaveLength(1);

    expectOk(await t.gql(RefundConsultationDocument, { id: notReviewed.id, reason: 'Goodwill' }, admin.token));
    const [refund] = await mailsTo(client.email, bySubject(/^Your refund of \$19\.00 is on its way$/));
    expect(refund!.parsed.text).toContain('We refunded $19.00 for your consultation with Ada Advisor');
    expect(headerOf(refund!, 'List-Unsubscribe')).toBeNull();
  });
});

describe('one-click opt-out', () => {
  it('GET asks, POST turns rating prompts off (RFC 8058), a forged link changes nothing, and later prompts are skipped', async () => {
    const advisor = await advisorIn();
    const client = await newClient();
    const first = await bookOk(client, advisor.advisorId, inFuture(3 * DAY));
    expectOk(await t.gql(CompleteConsultationDocument, { id: first.id }, admin.token));
    const [prompt] = await mailsTo(client.email, bySubject(/^How was/));
    expect(headerOf(prompt!, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    const link = /^<([^>]+)>$/.exec(headerOf(prompt!, 'List-Unsubscribe') ?? '')![1]!;
    expect(prompt!.parsed.text).toContain(link);
    // The link points at PUBLIC_API_URL (here the app URL); the test server listens elsewhere.
    const local = `${t.url}${new URL(link).pathname}${new URL(link).search}`;

    const page = await fetch(local);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('Stop the requests to rate a consultation after it ends?');
    expect(html).toMatch(/<form method="post"/);
    expect(expectOk(await t.gql(MyEmailPreferencesDocument, {}, client.token)).myEmailPreferences).toEqual({
      reminders: true,
      ratingPrompts: true,
    });

    const forged = local.replace(/token=v1\.[0-9a-f-]+/, `token=v1.${admin.id}`);
    expect(
      (
        await fetch(forged, {
          method: 'POST',
          body: 'List-Unsubscribe=One-Click',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        })
      ).status,
    ).toBe(400);
    expect(expectOk(await t.gql(MyEmailPreferencesDocument, {}, admin.token)).myEmailPreferences.ratingPrompts).toBe(true);

    const done = await fetch(local, {
      method: 'POST',
      body: 'List-Unsubscribe=One-Click',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(done.status).toBe(200);
    expect(await done.text()).toContain('you will no longer receive rating requests');
    expect(expectOk(await t.gql(MyEmailPreferencesDocument, {}, client.token)).myEmailPreferences).toEqual({
      reminders: true,
      ratingPrompts: false,
    });

    const second = await bookOk(client, advisor.advisorId, inFuture(4 * DAY));
    expectOk(await t.gql(CompleteConsultationDocument, { id: second.id }, admin.token));
    const skipped = await waitFor(
      async () =>
        (
          await sql<{ status: string; last_error: string }>(t, 'select status, last_error from email_outbox where dedupe_key = ?', [
            `rating-prompt:${second.id}`,
          ])
        ).find((r) => r.status === 'skipped'),
      10_000,
      'the opted-out prompt to be skipped',
    );
    expect(skipped.last_error).toBe('the recipient turned off rating-prompts');
    expect(smtp.to(client.email).filter(bySubject(/^How was/))).toHaveLength(1);
  });
});

describe('development without SMTP', () => {
  it('writes each email as an .eml file under EMAIL_DIR and logs its path, never the address', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'advisor-mail-'));
    const lines: string[] = [];
    const dev = await startTestApp(
      { EMAIL_DIR: dir, LOG_LEVEL: 'info' },
      { realEmail: true, logStream: { write: (line: string) => void lines.push(line) } },
    );
    try {
      const root = await dev.user({ roles: ['admin'] });
      const advisor = await makeAdvisor(dev, root, { givenName: 'Dev' });
      const file = await waitFor(() => readdirSync(dir).find((f) => f.endsWith('.eml')), 10_000, 'an .eml file');
      expect(file).toMatch(/-advisor-approve-[0-9a-f-]{36}\.eml$/);
      const mail = await simpleParser(readFileSync(path.join(dir, file)));
      expect(mail.subject).toBe('Your advisor application is approved');
      expect(mail.to).toMatchObject({ value: [{ address: advisor.user.email }] });
      expect(mail.text).toContain('Welcome, Dev Advisor');
      expect(mail.html).toContain('<html lang="en" dir="ltr"');
      const written = lines.map((l) => JSON.parse(l) as { msg: string; path?: string }).find((l) => l.msg === 'email written');
      expect(written?.path).toBe(path.join(dir, file));
      expect(lines.join('')).not.toContain(advisor.user.email);
    } finally {
      await dev.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
