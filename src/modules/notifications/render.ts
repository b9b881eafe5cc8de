import Mustache from 'mustache';
import { pickLocale, ReaderFormat, type Lang } from './format';
import compiled from './templates/compiled.json';
import { layoutText } from './templates/layout';
import { PACKS, pageKey } from './templates/sources';
import { OPT_OUT, type OptOutKind, type TemplateId } from './templates/types';

const PAGES: Readonly<Record<string, string>> = compiled;

/**
 * The one escaping helper for HTML: every value that reaches an HTML part goes through it (as
 * Mustache's escape for {{value}}); the templates use no unescaped {{{value}}}.
 */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const asIs = (value: string) => value;

function compiledPage(key: string): string {
  const html = PAGES[key];
  if (html === undefined) throw new Error(`email page ${key} is not in templates/compiled.json: run npm run emails`);
  return html;
}

/** Only http(s) links become buttons; anything else a webhook put there is left out. */
function safeUrl(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.toString() : null;
  } catch {
    return null;
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export interface RenderedEmail {
  lang: Lang;
  subject: string;
  text: string;
  html: string;
  /** The calendar event's title, for emails that carry an invitation. */
  calendarTitle: string;
}

/**
 * Turns an outbox row's raw data into the text the reader gets, in their language and time zone.
 * Each template's HTML was compiled from MJML at development time (`npm run emails`, checked by a
 * test) with its Mustache tags still in it; an email costs one Mustache pass over it.
 */
export class EmailRenderer {
  constructor(private readonly appUrl: string) {}

  languageOf(data: Record<string, unknown>): Lang {
    return pickLocale(str(data.locale)).lang;
  }

  subject(template: TemplateId, data: Record<string, unknown>): string {
    const { view, pack } = this.view(template, data, null);
    // A header: one line, whatever a display name contains.
    return Mustache.render(pack.templates[template].subject, view, {}, { escape: asIs })
      .replace(/[\r\n]+/g, ' ')
      .trim();
  }

  async render(template: TemplateId, data: Record<string, unknown>, unsubscribeUrl: string | null): Promise<RenderedEmail> {
    const { view, pack, fmt } = this.view(template, data, unsubscribeUrl);
    const source = pack.templates[template];
    const subject = Mustache.render(source.subject, view, {}, { escape: asIs })
      .replace(/[\r\n]+/g, ' ')
      .trim();
    const full = { ...view, subject };
    const html = Mustache.render(compiledPage(pageKey(fmt.lang, template)), full, {}, { escape: escapeHtml });
    const text = Mustache.render(layoutText(pack, source, OPT_OUT[template]), full, {}, { escape: asIs });
    const calendarTitle = Mustache.render(pack.layout.calendarTitle, full, {}, { escape: asIs });
    return { lang: fmt.lang, subject, text, html, calendarTitle };
  }

  /** The opt-out page: asking (with the form), done, or an invalid link. */
  async optOutPage(lang: Lang, state: { kind: OptOutKind; done: boolean; action: string } | null): Promise<string> {
    const pack = PACKS[lang];
    const page = pack.optOutPage;
    const view = {
      title: page.title,
      message: !state ? page.invalid : state.done ? page.done[state.kind] : page.confirm[state.kind],
      action: state && !state.done ? state.action : null,
      button: page.button,
    };
    return Mustache.render(compiledPage(pageKey(lang, 'opt-out-page')), view, {}, { escape: escapeHtml });
  }

  /** The values a template may use, formatted for its reader. Only keys present in the data appear. */
  private view(template: TemplateId, data: Record<string, unknown>, unsubscribeUrl: string | null) {
    const fmt = new ReaderFormat(str(data.locale), str(data.timeZone));
    const pack = PACKS[fmt.lang];
    const currency = str(data.currency) ?? 'USD';
    const id = str(data.consultationId);
    const view: Record<string, unknown> = {
      firstName: str(data.firstName),
      advisorName: str(data.advisorName),
      displayName: str(data.displayName),
      clientName: str(data.clientFirstName) ?? pack.layout.aClient,
      note: str(data.note),
      videoUrl: safeUrl(data.videoUrl),
      portalUrl: safeUrl(data.portalUrl),
      dashboardUrl: `${this.appUrl}/advisor`,
      unsubscribeUrl,
    };
    if (id) {
      view.consultationUrl = `${this.appUrl}/consultations/${id}`;
      view.ratingUrl = `${this.appUrl}/consultations/${id}/review`;
    }
    if (str(data.startTime)) view.start = fmt.dateTimeOf(data.startTime as string);
    if (str(data.previousStartTime)) view.previousStart = fmt.dateTimeOf(data.previousStartTime as string);
    const minutes = num(data.durationMinutes);
    if (minutes !== null) view.duration = fmt.minutes(minutes);
    const price = num(data.priceCents);
    if (price !== null) view.price = fmt.money(price, currency);
    const refund = num(data.refundCents);
    view.refund = refund !== null && refund > 0 ? fmt.money(refund, currency) : null;
    const amount = num(data.amountCents);
    if (amount !== null) view.amount = fmt.money(amount, currency);
    const unread = num(data.unreadCount);
    if (unread !== null) view.unread = fmt.count(unread);
    const count = num(data.consultationsCount);
    if (count !== null) view.consultations = fmt.count(count);
    if (str(data.monthKey)) view.month = fmt.month(data.monthKey as string);
    const reason = str(data.refundReason);
    view.reasonClientEarly = reason === 'client-early';
    view.reasonClientLate = reason === 'client-late';
    view.reasonAdvisor = reason === 'advisor';
    view.reasonPlatform = reason === 'platform';
    view.reasonNotCharged = reason === 'not-charged';
    view.byClient = data.cancelledBy === 'client';
    view.byAdvisor = data.cancelledBy === 'advisor';
    view.byPlatform = data.cancelledBy === 'platform';
    view.keepsEarning = data.keepsEarning === true;
    return { view, pack, fmt };
  }
}
