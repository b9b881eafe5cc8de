import { signCalcomBody } from '../../src/modules/webhooks/calcom';
import type { TestApp } from './app';
import { sql } from './fixtures';

/**
 * Webhooks are answered before they are processed. Resolves once the Stripe simulator has
 * delivered everything it queued and the job queue holds no webhook job that is running or due
 * (a job waiting out its backoff after a failure is not due), including the deliveries of events
 * that processing made Stripe emit; fails after `timeoutMs`. Polls every 10 ms: tests call it
 * after most steps.
 */
export async function waitForWebhooks(t: TestApp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const busy = async () => {
    await t.stripe.flushWebhooks();
    const [r] = await sql<{ n: number }>(
      t,
      `select count(*)::int as n from graphile_worker.jobs
       where task_identifier = 'process_webhook_event' and (locked_at is not null or (run_at <= now() and attempts < max_attempts))`,
    );
    return r!.n > 0;
  };
  while ((await busy()) || (await busy())) {
    if (Date.now() > deadline) throw new Error(`webhook events still being processed after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** POSTs a signed Cal.com event and, unless `wait: false`, waits for its processing. */
export async function postCalcom(
  t: TestApp,
  body: unknown,
  opts: { secret?: string; signature?: string | null; contentType?: string; raw?: string; wait?: boolean } = {},
) {
  const raw = opts.raw ?? JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  const signature = opts.signature === undefined ? signCalcomBody(raw, opts.secret ?? t.config.calcom.webhookSecret) : opts.signature;
  if (signature !== null) headers['x-cal-signature-256'] = signature;
  const res = await fetch(`${t.url}/webhooks/calcom`, { method: 'POST', headers, body: raw });
  const json = (await res.json().catch(() => null)) as { duplicate?: boolean } | null;
  if (opts.wait !== false) await waitForWebhooks(t);
  return { status: res.status, json };
}

const attendee = (email: string, name = 'Cleo') => ({ email, name, timeZone: 'Europe/Berlin', language: { locale: 'en' } });
const organizer = (email: string) => ({
  id: 5,
  name: 'Ada Advisor',
  email,
  username: 'ada',
  timeZone: 'UTC',
  language: { locale: 'en' },
  timeFormat: 'h:mma',
});

/** Bodies in Cal.com's own shapes (envelope with payload; MEETING_* flat). */
export const cal = {
  created: (o: {
    uid: string;
    consultationId?: string;
    start: Date;
    minutes: number;
    organizer: string;
    attendee: string;
    createdAt?: Date;
  }) => ({
    triggerEvent: 'BOOKING_CREATED',
    createdAt: (o.createdAt ?? new Date()).toISOString(),
    payload: {
      type: `${o.minutes}min`,
      title: `${o.minutes} min consultation`,
      startTime: o.start.toISOString(),
      endTime: new Date(o.start.getTime() + o.minutes * 60_000).toISOString(),
      organizer: organizer(o.organizer),
      attendees: [attendee(o.attendee)],
      location: 'integrations:daily',
      uid: o.uid,
      bookingId: Math.floor(Math.random() * 1e6),
      length: o.minutes,
      status: 'ACCEPTED',
      metadata: { videoCallUrl: `https://app.cal.com/video/${o.uid}`, ...(o.consultationId ? { consultationId: o.consultationId } : {}) },
      videoCallData: { type: 'daily_video', id: o.uid, url: `https://meet.daily.co/${o.uid}` },
    },
  }),
  cancelled: (o: {
    uid: string;
    start: Date;
    minutes: number;
    organizer: string;
    attendee: string;
    cancelledBy: string;
    reason?: string;
    createdAt?: Date;
  }) => ({
    triggerEvent: 'BOOKING_CANCELLED',
    createdAt: (o.createdAt ?? new Date()).toISOString(),
    payload: {
      uid: o.uid,
      startTime: o.start.toISOString(),
      endTime: new Date(o.start.getTime() + o.minutes * 60_000).toISOString(),
      organizer: organizer(o.organizer),
      attendees: [attendee(o.attendee)],
      status: 'CANCELLED',
      cancelledBy: o.cancelledBy,
      cancellationReason: o.reason ?? 'Plans changed',
      metadata: {},
    },
  }),
  rescheduled: (o: {
    uid: string;
    oldUid: string;
    start: Date;
    minutes: number;
    organizer: string;
    attendee: string;
    createdAt?: Date;
  }) => ({
    triggerEvent: 'BOOKING_RESCHEDULED',
    createdAt: (o.createdAt ?? new Date()).toISOString(),
    payload: {
      uid: o.uid,
      rescheduleUid: o.oldUid,
      startTime: o.start.toISOString(),
      endTime: new Date(o.start.getTime() + o.minutes * 60_000).toISOString(),
      organizer: organizer(o.organizer),
      attendees: [attendee(o.attendee)],
      status: 'ACCEPTED',
      metadata: { videoCallUrl: `https://app.cal.com/video/${o.uid}` },
    },
  }),
  meeting: (trigger: 'MEETING_STARTED' | 'MEETING_ENDED', o: { uid: string; start: Date; minutes: number; createdAt?: Date }) => ({
    triggerEvent: trigger,
    createdAt: (o.createdAt ?? new Date()).toISOString(),
    id: 91,
    uid: o.uid,
    title: 'Consultation',
    startTime: o.start.toISOString(),
    endTime: new Date(o.start.getTime() + o.minutes * 60_000).toISOString(),
    status: 'ACCEPTED',
  }),
  noShow: (o: { uid: string; attendee: string; noShow: boolean }) => ({
    triggerEvent: 'BOOKING_NO_SHOW_UPDATED',
    createdAt: new Date().toISOString(),
    payload: { message: 'x', bookingUid: o.uid, bookingId: 91, attendees: [{ email: o.attendee, noShow: o.noShow }] },
  }),
};

/** The rows a consultation's money and history consist of, for comparing end states. */
export async function snapshotRows(t: TestApp, consultationId: string) {
  const [c] = await sql(
    t,
    'select status, cal_booking_id is not null as linked, video_url is not null as video, duration_minutes, price_cents from consultations where id = ?',
    [consultationId],
  );
  const [charge] = await sql(t, 'select status, refunded_cents, dispute_status from consultation_charges where consultation_id = ?', [
    consultationId,
  ]);
  const refunds = await sql(
    t,
    'select r.amount_cents from refunds r join consultation_charges cc on cc.id = r.charge_id where cc.consultation_id = ? order by r.amount_cents',
    [consultationId],
  );
  const ledger = await sql(t, 'select kind, amount_cents from ledger_entries where consultation_id = ? order by kind', [consultationId]);
  const history = await sql(
    t,
    'select from_status, to_status from consultation_status_changes where consultation_id = ? and from_status is distinct from to_status order by to_status',
    [consultationId],
  );
  return { consultation: c, charge, refunds, ledger, history };
}
