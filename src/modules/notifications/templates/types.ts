/**
 * Every email the platform sends, with the data its outbox row carries. Data holds raw values
 * (ISO times, cents, ids); the renderer formats them for the reader at delivery.
 */

/** Why a cancelled consultation is refunded or not, as the cancellation notice explains it. */
export type RefundReason = 'client-early' | 'client-late' | 'advisor' | 'platform' | 'not-charged';

/** Who cancelled, as the advisor is told. */
export type CancelledBy = 'client' | 'advisor' | 'platform';

/** What every email's data carries about its reader. */
export interface Reader {
  /** The reader's locale (a consultation's for its client, the advisor's own for an advisor). */
  locale: string | null;
  /** The reader's IANA time zone; UTC when unknown. */
  timeZone: string | null;
  /** The reader's first name for the greeting, if known. */
  firstName: string | null;
}

export interface Calendar {
  /** Stable per consultation: every update and the cancellation carry the same one. */
  uid: string;
  sequence: number;
  method: 'REQUEST' | 'CANCEL';
}

interface ConsultationFacts {
  consultationId: string;
  startTime: string;
  durationMinutes: number;
}

export interface TemplateData {
  'consultation-booking-confirmed': ConsultationFacts & {
    advisorName: string;
    videoUrl: string | null;
    priceCents: number;
    currency: string;
    calendar: Calendar;
  };
  'consultation-cancelled': ConsultationFacts & {
    advisorName: string;
    refundCents: number | null;
    currency: string;
    refundReason: RefundReason;
    calendar: Calendar;
  };
  'consultation-rescheduled': ConsultationFacts & {
    advisorName: string;
    previousStartTime: string;
    videoUrl: string | null;
    calendar: Calendar;
  };
  'consultation-reminder': ConsultationFacts & { advisorName: string; videoUrl: string | null };
  'consultation-rating': ConsultationFacts & { advisorName: string };
  'consultation-chat-unread': ConsultationFacts & { advisorName: string; unreadCount: number };
  'consultation-refunded': { consultationId: string; advisorName: string; refundCents: number; currency: string };
  'advisor-new-booking': ConsultationFacts & { clientFirstName: string | null; videoUrl: string | null };
  'advisor-consultation-cancelled': ConsultationFacts & {
    clientFirstName: string | null;
    cancelledBy: CancelledBy;
    /** The advisor keeps the earning (a late client cancellation). */
    keepsEarning: boolean;
  };
  'advisor-consultation-rescheduled': ConsultationFacts & {
    clientFirstName: string | null;
    previousStartTime: string;
    videoUrl: string | null;
  };
  'advisor-consultation-reminder': ConsultationFacts & { clientFirstName: string | null; videoUrl: string | null };
  'advisor-chat-unread': ConsultationFacts & { clientFirstName: string | null; unreadCount: number };
  'advisor-payout-processed': {
    month: string;
    monthKey: string;
    amountDisplay: string;
    amountCents: number;
    currency: string;
    consultationsCount: number;
    portalUrl: string;
  };
  'advisor-approve': { displayName: string; note: string | null };
  'advisor-reject': { displayName: string; note: string | null };
  'advisor-suspend': { displayName: string; note: string | null };
  'advisor-reactivate': { displayName: string; note: string | null };
}

export type TemplateId = keyof TemplateData;
export type ClientTemplate = Extract<TemplateId, `consultation-${string}`>;
export type AdvisorTemplate = Extract<TemplateId, `advisor-${string}`>;

export const TEMPLATE_IDS = [
  'consultation-booking-confirmed',
  'consultation-cancelled',
  'consultation-rescheduled',
  'consultation-reminder',
  'consultation-rating',
  'consultation-refunded',
  'consultation-chat-unread',
  'advisor-new-booking',
  'advisor-consultation-cancelled',
  'advisor-consultation-rescheduled',
  'advisor-consultation-reminder',
  'advisor-chat-unread',
  'advisor-payout-processed',
  'advisor-approve',
  'advisor-reject',
  'advisor-suspend',
  'advisor-reactivate',
] as const satisfies readonly TemplateId[];

/** The kinds of email a user may turn off; confirmations and money notices always go out. */
export type OptOutKind = 'reminders' | 'rating-prompts';

export const OPT_OUT: Partial<Record<TemplateId, OptOutKind>> = {
  'consultation-reminder': 'reminders',
  'advisor-consultation-reminder': 'reminders',
  'consultation-rating': 'rating-prompts',
};

/**
 * One template in one language. `mjml` is the body (one or more mj-section) and `text` the plain
 * part; both are Mustache templates whose {{values}} are escaped (HTML) or left as they are (text).
 * Conditional blocks use sections: {{#videoUrl}}...{{/videoUrl}}; in MJML, between components,
 * inside <mj-raw> so the compiler keeps them.
 */
export interface TemplateSource {
  subject: string;
  mjml: string;
  text: string;
}

/** The strings the shared layout needs in each language. */
export interface LayoutStrings {
  brand: string;
  /** Stands for a client whose first name is unknown. */
  aClient: string;
  /** The calendar event's title (Mustache, plain text). */
  calendarTitle: string;
  hello: string;
  helloNamed: string;
  footer: string;
  unsubscribe: Record<OptOutKind, string>;
}

export interface LanguagePack {
  dir: 'ltr' | 'rtl';
  layout: LayoutStrings;
  templates: Record<TemplateId, TemplateSource>;
  /** The opt-out page served by GET/POST /email/unsubscribe. */
  optOutPage: { title: string; confirm: Record<OptOutKind, string>; button: string; done: Record<OptOutKind, string>; invalid: string };
}
