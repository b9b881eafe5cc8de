import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../../common/errors';
import { isUuid } from '../../common/ids';
import { Consultation, ConsultationStatus as S } from '../consultation/consultation.entity';
import type { ConsultationModule } from '../consultation/consultation.module';
import { CALCOM } from '../../common/actor';
import { canTransition } from '../consultation/consultation.state';
import { parseCalcomEvent, type CalcomEvent } from './calcom';
import type { WebhookEvent } from './webhook-event.entity';
import { ignored, type Outcome, type WebhookService } from './webhook.service';

/**
 * How long before a consultation's start a MEETING_STARTED still counts: people join a few
 * minutes early, and Cal.com reports the meeting started when the first one joins.
 */
export const MEETING_EARLY_START_MS = 15 * 60_000;

/**
 * Cal.com moves bookings along. Each trigger maps to one consultation change; a trigger about a
 * booking we do not know yet is IGNORED and replayed when BOOKING_CREATED introduces that booking,
 * so a cancellation or a reschedule that overtook its creation still applies, and never the other
 * way round (nothing already cancelled comes back).
 *
 * Whoever books on Cal.com can write the booking's metadata, so an event acts on a consultation
 * only through the booking uid linked to it. BOOKING_CREATED links a new uid to the consultation
 * its metadata names only when the booking is that consultation's: its organizer is the
 * consultation's advisor (the organizer's email is the advisor's account email; Cal.com's
 * organizer is the Cal.com user whose event type was booked) and its start and end are the
 * consultation's, to the second. A meeting never starts more than MEETING_EARLY_START_MS before
 * the consultation's start and never ends before it.
 */
export class CalcomHandler {
  constructor(
    private readonly consultations: Pick<ConsultationModule, 'actions' | 'calendar'>,
    private readonly webhooks: WebhookService,
    private readonly em: () => EntityManager,
  ) {}

  handle = async (event: WebhookEvent): Promise<Outcome> => {
    const e = parseCalcomEvent(event.payload);
    if (!e) return 'ignored';
    switch (e.trigger) {
      case 'BOOKING_CREATED':
        return this.created(e);
      case 'BOOKING_CANCELLED':
        return this.cancelled(e);
      case 'BOOKING_RESCHEDULED':
        return this.rescheduled(e);
      case 'MEETING_STARTED':
        return this.move(e, S.IN_PROGRESS, 'Meeting started');
      case 'MEETING_ENDED':
        return this.move(e, S.COMPLETED, 'Meeting ended');
      case 'BOOKING_NO_SHOW_UPDATED':
        return this.noShow(e);
      default:
        return 'ignored';
    }
  };

  private find(uids: (string | null)[]): Promise<Consultation | null> {
    return this.consultations.calendar.findForCalBooking(uids);
  }

  private async created(e: CalcomEvent): Promise<Outcome> {
    if (!e.uid) return ignored('The booking has no uid');
    const linked = await this.find([e.uid]);
    if (linked) return this.link(linked.id, e, e.uid); // a redelivery, or a booking linked when it was made
    if (!e.consultationId || !isUuid(e.consultationId)) return ignored('The booking’s metadata names no consultation');
    const c = await this.em().findOne(Consultation, { id: e.consultationId.toLowerCase() }, { populate: ['advisor.user'] });
    if (!c) return ignored('The booking’s metadata names no consultation of ours');
    if (c.calBookingId) return ignored('The consultation is linked to another booking');
    const advisorEmail = c.advisor.user.email.toLowerCase();
    if (e.organizerEmail !== advisorEmail) {
      return ignored(`The booking’s organizer (${e.organizerEmail ?? 'none'}) is not the consultation’s advisor`);
    }
    if (e.startTime?.getTime() !== c.startTime.getTime() || e.endTime?.getTime() !== c.endTime.getTime()) {
      return ignored(
        `The booking’s times (${e.startTime?.toISOString() ?? '?'} to ${e.endTime?.toISOString() ?? '?'}) are not the consultation’s`,
      );
    }
    return this.link(c.id, e, e.uid);
  }

  private async link(consultationId: string, e: CalcomEvent, uid: string): Promise<Outcome> {
    // Linking commits before a move to the booking's time; if the move fails, the link stands and
    // what was said about the booking still applies.
    let linked = true;
    try {
      linked =
        (await this.consultations.calendar.linkCalBooking(consultationId, { uid, videoUrl: e.videoUrl, startTime: e.startTime })) ===
        'processed';
    } finally {
      if (linked) await this.replayEarlierEvents(consultationId);
    }
    return linked ? 'processed' : ignored('The consultation is linked to another booking');
  }

  /**
   * Whatever Cal.com said about a booking before we could tie it to a consultation applies once
   * we can, in the order it was received; a replayed reschedule gives the booking a new uid, whose
   * own early events follow.
   */
  private async replayEarlierEvents(consultationId: string): Promise<void> {
    const seen = new Set<string>();
    for (;;) {
      const uid = (await this.em().findOne(Consultation, { id: consultationId }))?.calBookingId;
      if (!uid || seen.has(uid)) return;
      seen.add(uid);
      await this.replayIgnored(uid);
    }
  }

  private async replayIgnored(uid: string): Promise<void> {
    const rows = await this.em().execute<{ id: string }[]>(
      `select id from processed_webhook_events
       where provider = 'calcom' and status = 'ignored' and event_type <> 'BOOKING_CREATED'
         and ? in (coalesce(payload->'payload'->>'uid', payload->>'uid'), payload->'payload'->>'rescheduleUid', coalesce(payload->'payload'->>'bookingUid', payload->>'bookingUid'))
       order by received_at, id`,
      [uid],
    );
    await this.webhooks.reprocessIgnored(rows.map((r) => r.id));
  }

  private async cancelled(e: CalcomEvent): Promise<Outcome> {
    const c = await this.find([e.uid]);
    if (!c) return notLinked(e.uid);
    if (!canTransition(c.status, S.CANCELLED)) return ignored(`The consultation is ${c.status}`); // e.g. the echo of our own cancellation
    const consultation = await this.em().findOneOrFail(Consultation, { id: c.id }, { populate: ['advisor.user', 'client'] });
    // Who cancelled decides the refund, exactly as cancelConsultation decides it. Cal.com names
    // the canceller by email: the organizer is the advisor; anyone else is taken as the client.
    const byAdvisor =
      !!e.cancelledBy && (e.cancelledBy === e.organizerEmail || e.cancelledBy === consultation.advisor.user.email.toLowerCase());
    const at = e.createdAt && e.createdAt.getTime() <= Date.now() ? e.createdAt : new Date();
    await this.consultations.actions.cancel(
      CALCOM,
      c.id,
      e.cancellationReason ? `Cancelled in Cal.com: ${e.cancellationReason}` : 'Cancelled in Cal.com',
      { onBehalfOf: byAdvisor ? 'advisor' : 'client', at },
    );
    return 'processed';
  }

  private async rescheduled(e: CalcomEvent): Promise<Outcome> {
    if (!e.uid || !e.startTime) return ignored('The reschedule has no uid or no start');
    const c = await this.find([e.rescheduleUid, e.uid]);
    if (!c) return notLinked(e.rescheduleUid ?? e.uid);
    if (c.calBookingId === e.uid && c.startTime.getTime() === e.startTime.getTime()) return 'processed'; // already there
    await this.consultations.calendar.reschedule(c.id, { uid: e.uid, startTime: e.startTime, videoUrl: e.videoUrl });
    await this.replayEarlierEvents(c.id);
    return 'processed';
  }

  private async move(e: CalcomEvent, to: S.IN_PROGRESS | S.COMPLETED | S.NO_SHOW, reason: string): Promise<Outcome> {
    const c = await this.find([e.uid]);
    if (!c) return notLinked(e.uid);
    if (!canTransition(c.status, to)) return ignored(`The consultation is ${c.status}`);
    const startsIn = c.startTime.getTime() - Date.now();
    if (to === S.COMPLETED && startsIn > 0) return ignored('The meeting cannot end before the consultation’s start');
    if (to === S.IN_PROGRESS && startsIn > MEETING_EARLY_START_MS) {
      return ignored(`The meeting cannot start more than ${MEETING_EARLY_START_MS / 60_000} minutes before the consultation’s start`);
    }
    try {
      // A meeting that ended had started: the same steps as when MEETING_STARTED came first.
      if (to === S.COMPLETED && c.status === S.SCHEDULED) {
        await this.consultations.actions.finish(CALCOM, c.id, S.IN_PROGRESS, 'Meeting started (implied by its end)');
      }
      await this.consultations.actions.finish(CALCOM, c.id, to, reason);
    } catch (err) {
      // Lost a race with another change: whatever won stands.
      if (err instanceof DomainError && err.code === 'CONFLICT') return ignored(`Lost a race with another change: ${err.message}`);
      throw err;
    }
    return 'processed';
  }

  private async noShow(e: CalcomEvent): Promise<Outcome> {
    const c = await this.find([e.uid]);
    if (!c) return notLinked(e.uid);
    if (!canTransition(c.status, S.NO_SHOW)) return ignored(`The consultation is ${c.status}`);
    if (c.startTime.getTime() > Date.now()) return ignored('No one is absent before the consultation’s start');
    const full = await this.em().findOneOrFail(Consultation, { id: c.id }, { populate: ['client'] });
    const clientEmail = full.client.email.toLowerCase();
    const clientAbsent = e.attendees.some((a) => a.noShow === true && (a.email === clientEmail || e.attendees.length === 1));
    if (!clientAbsent) return ignored('The client is not marked absent');
    return this.move(e, S.NO_SHOW, 'Client marked absent in Cal.com');
  }
}

/** Kept as IGNORED with this reason, and replayed if BOOKING_CREATED or a reschedule links the uid later. */
const notLinked = (uid: string | null): Outcome => ignored(`Booking ${uid ?? '(no uid)'} is not linked to any consultation`);
