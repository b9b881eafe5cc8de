/** The languages emails are written in; anything else gets English. */
export type Lang = 'en' | 'ar';
export const LANGS: readonly Lang[] = ['en', 'ar'];

/**
 * Intl formatters by what they format with. Building one costs ~0.1-0.3 ms (ICU data lookups), and
 * every email, reminder and calendar invite formats several values: each is built once per
 * locale, zone and currency. Bounded, since locales and zones come from users' data.
 */
const formatters = new Map<string, Intl.DateTimeFormat | Intl.NumberFormat | boolean>();
function memo<T extends Intl.DateTimeFormat | Intl.NumberFormat | boolean>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (f === undefined) {
    if (formatters.size >= 2_000) formatters.clear();
    f = make();
    formatters.set(key, f);
  }
  return f;
}

export function isValidTimeZone(tz: string): boolean {
  return memo(`tz:${tz}`, () => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The reader's language and the Intl locale to format with. A locale we write in keeps its region
 * (en-GB dates for en-gb); any other falls back to English with US formatting, so the text and the
 * dates never come in two languages.
 */
export function pickLocale(locale: string | null | undefined): { lang: Lang; intl: string } {
  const tag = (locale ?? '').trim();
  const lang = tag.toLowerCase().split(/[-_]/)[0];
  if (lang === 'ar' || lang === 'en') {
    const intl = tag.replace(/_/g, '-');
    try {
      return { lang, intl: Intl.getCanonicalLocales(intl)[0] ?? lang };
    } catch {
      return { lang, intl: lang };
    }
  }
  return { lang: 'en', intl: 'en-US' };
}

/** Formats for one reader: their locale, their IANA time zone (UTC when unknown or invalid). */
export class ReaderFormat {
  readonly lang: Lang;
  readonly locale: string;
  readonly timeZone: string;
  private readonly dateTime: Intl.DateTimeFormat;

  constructor(locale: string | null | undefined, timeZone: string | null | undefined) {
    const picked = pickLocale(locale);
    this.lang = picked.lang;
    this.locale = picked.intl;
    this.timeZone = timeZone && isValidTimeZone(timeZone) ? timeZone : 'UTC';
    // The zone's name is part of the text: a start just after a daylight-saving change reads
    // unambiguously, and a reader travelling knows which clock is meant.
    this.dateTime = memo(
      `dt:${this.locale}:${this.timeZone}`,
      () =>
        new Intl.DateTimeFormat(this.locale, {
          weekday: 'long',
          year: 'numeric',
          month: 'long',
          day: 'numeric',
          hour: 'numeric',
          minute: '2-digit',
          timeZone: this.timeZone,
          timeZoneName: 'short',
        }),
    );
  }

  dateTimeOf(iso: string | Date): string {
    return this.dateTime.format(typeof iso === 'string' ? new Date(iso) : iso);
  }

  money(cents: number, currency: string): string {
    return memo(`money:${this.locale}:${currency}`, () => new Intl.NumberFormat(this.locale, { style: 'currency', currency })).format(
      cents / 100,
    );
  }

  minutes(n: number): string {
    return memo(
      `min:${this.locale}`,
      () => new Intl.NumberFormat(this.locale, { style: 'unit', unit: 'minute', unitDisplay: 'long' }),
    ).format(n);
  }

  count(n: number): string {
    return memo(`n:${this.locale}`, () => new Intl.NumberFormat(this.locale)).format(n);
  }

  /** A month key such as 2026-11 as the reader says it ("November 2026"). */
  month(key: string): string {
    const [y, m] = key.split('-').map(Number);
    if (!y || !m) return key;
    return memo(
      `month:${this.locale}`,
      () => new Intl.DateTimeFormat(this.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }),
    ).format(new Date(Date.UTC(y, m - 1, 1)));
  }
}

/** Amounts in emails stored before rendering (en-US), kept for callers that only log them. */
export function formatCents(cents: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
