import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** Cal.com signs the raw body: hex HMAC-SHA256 keyed with the webhook secret, in X-Cal-Signature-256. */
export function verifyCalcomSignature(rawBody: Buffer, header: string | undefined, secret: string): boolean {
  if (!header || !/^[0-9a-f]{64}$/i.test(header.trim())) return false;
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  const given = Buffer.from(header.trim(), 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function signCalcomBody(rawBody: string | Buffer, secret: string): string {
  return createHmac('sha256', secret).update(rawBody).digest('hex');
}

export interface CalcomEvent {
  trigger: string;
  createdAt: Date | null;
  uid: string | null;
  /** On BOOKING_RESCHEDULED: the old booking's uid (`uid` is the new one). */
  rescheduleUid: string | null;
  startTime: Date | null;
  endTime: Date | null;
  videoUrl: string | null;
  /** Our consultation id, which the booking flow puts in the Cal.com booking's metadata. */
  consultationId: string | null;
  organizerEmail: string | null;
  cancelledBy: string | null;
  cancellationReason: string | null;
  attendees: { email: string | null; noShow: boolean | null }[];
}

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 && v.length <= 2000 ? v : null);
const date = (v: unknown): Date | null => {
  const s = str(v);
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
};
const url = (v: unknown): string | null => {
  const s = str(v);
  return s && /^https?:\/\//i.test(s) ? s : null;
};

/**
 * Reads Cal.com's shapes: `{ triggerEvent, createdAt, payload: {...} }`, except MEETING_STARTED and
 * MEETING_ENDED, which come flat. Returns null when the body is not a Cal.com event at all.
 */
export function parseCalcomEvent(body: unknown): CalcomEvent | null {
  const envelope = obj(body);
  const trigger = str(envelope?.triggerEvent);
  if (!envelope || !trigger) return null;
  const p = obj(envelope.payload) ?? envelope;
  const metadata = obj(p.metadata) ?? {};
  const organizer = obj(p.organizer);
  const attendees = Array.isArray(p.attendees) ? p.attendees.map(obj).filter((a): a is Json => a !== null) : [];
  return {
    trigger,
    createdAt: date(envelope.createdAt),
    uid: str(p.uid) ?? str(p.bookingUid),
    rescheduleUid: str(p.rescheduleUid),
    startTime: date(p.startTime),
    endTime: date(p.endTime),
    videoUrl: url(metadata.videoCallUrl) ?? url(obj(p.videoCallData)?.url),
    consultationId: str(metadata.consultationId) ?? str(metadata.consultation_id),
    organizerEmail: str(organizer?.email)?.toLowerCase() ?? null,
    cancelledBy: str(p.cancelledBy)?.toLowerCase() ?? null,
    cancellationReason: str(p.cancellationReason),
    attendees: attendees.map((a) => ({
      email: str(a.email)?.toLowerCase() ?? null,
      noShow: typeof a.noShow === 'boolean' ? a.noShow : null,
    })),
  };
}

/**
 * Cal.com sends no event id. The key is a hash of what identifies one occurrence: the trigger,
 * when Cal.com created the event, the booking and the times, so a redelivery of the same event
 * maps to the same key while a later event about the same booking does not.
 */
export function calcomDedupeKey(e: CalcomEvent): string {
  const parts = [
    e.trigger,
    e.createdAt?.toISOString() ?? '',
    e.uid ?? '',
    e.rescheduleUid ?? '',
    e.startTime?.toISOString() ?? '',
    e.endTime?.toISOString() ?? '',
    e.attendees.map((a) => `${a.email}:${a.noShow}`).join(','),
  ];
  return `calcom:${createHash('sha256').update(JSON.stringify(parts)).digest('hex')}`;
}
