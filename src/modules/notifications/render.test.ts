import { pickLocale, ReaderFormat } from './format';
import { invitation } from './ics';
import { optOutToken, verifyOptOutToken } from './links';
import { EmailRenderer, escapeHtml } from './render';
import fs from 'node:fs';
import { COMPILED_PATH, compileEmailTemplates, serialize } from '../../../scripts/email-templates';
import { TEMPLATE_IDS } from './templates/types';

const renderer = new EmailRenderer('https://app.example.test');
const nbsp = (s: string) => s.replace(/[\u202f\u00a0]/g, ' ');

describe('email templates', () => {
  it('every template compiles as strict MJML in English and Arabic, to the committed compiled.json', async () => {
    // The server reads only compiled.json; a template edited without `npm run emails` fails here.
    const fresh = serialize(await compileEmailTemplates());
    expect(fs.readFileSync(COMPILED_PATH, 'utf8') === fresh ? 'current' : 'stale: run npm run emails').toBe('current');
    for (const id of TEMPLATE_IDS) {
      for (const locale of ['en', 'ar']) {
        const out = await renderer.render(
          id,
          { locale, consultationId: 'c1', startTime: '2027-01-01T10:00:00Z', durationMinutes: 30 },
          null,
        );
        expect(out.subject.length).toBeGreaterThan(5);
        expect(out.text).not.toMatch(/\{\{|\}\}/);
        expect(out.html).not.toMatch(/\{\{|\}\}/);
        expect(out.html).toContain(`<html lang="${locale}" dir="${locale === 'ar' ? 'rtl' : 'ltr'}"`);
      }
    }
  });

  it('escapes every value in the HTML part, keeps the text part as written, and drops links that are not http(s)', async () => {
    const out = await renderer.render(
      'consultation-booking-confirmed',
      {
        locale: 'en',
        consultationId: 'c1',
        advisorName: `<script>alert("x")</script> & 'co'`,
        startTime: '2027-01-01T10:00:00Z',
        durationMinutes: 30,
        priceCents: 1900,
        currency: 'USD',
        videoUrl: 'javascript:alert(1)',
      },
      null,
    );
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;');
    expect(out.text).toContain(`<script>alert("x")</script> & 'co'`);
    expect(out.html).not.toContain('javascript:');
    expect(out.text).toContain('The video link will be on your consultation page');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('keeps a subject on one line whatever a name contains', () => {
    expect(renderer.subject('advisor-new-booking', { clientFirstName: 'Eve\r\nBcc: x@y', startTime: '2027-01-01T10:00:00Z' })).not.toMatch(
      /[\r\n]/,
    );
  });

  it('tells the client why there is or is not a refund, per the policy', async () => {
    const base = { locale: 'en', consultationId: 'c1', advisorName: 'Ada', startTime: '2027-01-01T10:00:00Z', currency: 'USD' };
    const early = await renderer.render('consultation-cancelled', { ...base, refundCents: 1900, refundReason: 'client-early' }, null);
    expect(early.text).toContain('more than 24 hours before the start, so you get a full refund');
    expect(early.text).toContain('Refund: $19.00');
    const late = await renderer.render('consultation-cancelled', { ...base, refundCents: null, refundReason: 'client-late' }, null);
    expect(late.text).toContain('there is no refund');
    expect(late.text).not.toContain('Refund:');
  });

  it('formats amounts and months in the reader language', async () => {
    const data = {
      monthKey: '2027-03',
      amountCents: 4660,
      currency: 'USD',
      consultationsCount: 3,
      portalUrl: 'https://app.example.test/e',
    };
    const en = await renderer.render('advisor-payout-processed', { ...data, locale: 'en' }, null);
    expect(en.subject).toBe('Your payout for March 2027: $46.60');
    const ar = await renderer.render('advisor-payout-processed', { ...data, locale: 'ar' }, null);
    expect(ar.subject).toContain(new ReaderFormat('ar', 'UTC').month('2027-03'));
    expect(ar.subject).toContain(new Intl.NumberFormat('ar', { style: 'currency', currency: 'USD' }).format(46.6));
  });
});

describe('reader formats', () => {
  it('shows a start in the reader time zone, with the offset in force on that day (DST)', () => {
    const ny = new ReaderFormat('en-US', 'America/New_York');
    // The first Sunday of November 2027 ends daylight saving time in New York.
    expect(nbsp(ny.dateTimeOf('2027-11-05T13:00:00Z'))).toBe('Friday, November 5, 2027 at 9:00 AM EDT');
    expect(nbsp(ny.dateTimeOf('2027-11-08T14:00:00Z'))).toBe('Monday, November 8, 2027 at 9:00 AM EST');
    const berlin = new ReaderFormat('en-GB', 'Europe/Berlin');
    expect(berlin.dateTimeOf('2027-03-26T08:00:00Z')).toContain('09:00 CET');
    expect(berlin.dateTimeOf('2027-03-29T07:00:00Z')).toContain('09:00 CEST');
  });

  it('falls back to English and UTC for what it cannot use', () => {
    expect(pickLocale('ar-EG')).toEqual({ lang: 'ar', intl: 'ar-EG' });
    expect(pickLocale('en-gb')).toEqual({ lang: 'en', intl: 'en-GB' });
    expect(pickLocale('fr-FR')).toEqual({ lang: 'en', intl: 'en-US' });
    expect(pickLocale(null)).toEqual({ lang: 'en', intl: 'en-US' });
    expect(new ReaderFormat('en', 'Mars/Olympus').timeZone).toBe('UTC');
  });
});

describe('calendar invitations', () => {
  const input = {
    startTime: '2027-11-08T14:00:00.000Z',
    durationMinutes: 30,
    title: 'Consultation with Ada, Advisor; PhD',
    description: 'https://meet.example/x',
    url: 'https://app.example.test/consultations/c1',
    organizer: { name: 'Advisor Network', email: 'no-reply@advisor.example' },
    attendee: { name: 'Cleo', email: 'cleo@example.com' },
  };

  it('requests with a stable UID, the sequence given, and the start in UTC', () => {
    const ics = invitation({ ...input, calendar: { uid: 'consultation-c1@advisor.example', sequence: 0, method: 'REQUEST' } });
    const unfolded = ics.replace(/\r\n[ \t]/g, '');
    expect(unfolded).toMatch(/^BEGIN:VCALENDAR\r\n/);
    expect(unfolded).toContain('\r\nMETHOD:REQUEST\r\n');
    expect(unfolded).toContain('\r\nUID:consultation-c1@advisor.example\r\n');
    expect(unfolded).toContain('\r\nSEQUENCE:0\r\n');
    expect(unfolded).toContain('\r\nDTSTART:20271108T140000Z\r\n');
    expect(unfolded).toContain('\r\nDURATION:PT30M\r\n');
    expect(unfolded).toContain('\r\nSTATUS:CONFIRMED\r\n');
    expect(unfolded).toContain('SUMMARY:Consultation with Ada\\, Advisor\\; PhD');
    // RFC 5545: lines of at most 75 octets.
    for (const line of ics.split('\r\n')) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  });

  it('cancels under the same UID with a higher sequence', () => {
    const ics = invitation({ ...input, calendar: { uid: 'consultation-c1@advisor.example', sequence: 2, method: 'CANCEL' } });
    const unfolded = ics.replace(/\r\n[ \t]/g, '');
    expect(unfolded).toContain('\r\nMETHOD:CANCEL\r\n');
    expect(unfolded).toContain('\r\nUID:consultation-c1@advisor.example\r\n');
    expect(unfolded).toContain('\r\nSEQUENCE:2\r\n');
    expect(unfolded).toContain('\r\nSTATUS:CANCELLED\r\n');
  });
});

describe('opt-out links', () => {
  const secret = 's'.repeat(40);
  const user = '0b7c1d64-3f43-4a6e-9d55-6d1c0f1d2e3a';

  it('verifies its own token and nothing altered', () => {
    const token = optOutToken(secret, user, 'reminders');
    expect(verifyOptOutToken(secret, token)).toEqual({ userId: user, kind: 'reminders' });
    expect(verifyOptOutToken('t'.repeat(40), token)).toBeNull();
    expect(verifyOptOutToken(secret, token.replace('reminders', 'rating-prompts'))).toBeNull();
    expect(verifyOptOutToken(secret, token.replace(user, '1b7c1d64-3f43-4a6e-9d55-6d1c0f1d2e3a'))).toBeNull();
    expect(verifyOptOutToken(secret, `${token}x`)).toBeNull();
    expect(verifyOptOutToken(secret, undefined)).toBeNull();
    expect(token).not.toContain('@');
  });
});
