import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainError } from '../../common/errors';
import { RefundSource } from '../consultation/charge.entity';
import { ActorKind, Consultation, ConsultationStatus as S } from '../consultation/consultation.entity';
import type { ConsultationService } from '../consultation/consultation.service';
import { canTransition } from '../consultation/consultation.state';
import { parseCalcomEvent, type CalcomEvent } from './calcom';
import type { WebhookEvent } from './webhook-event.entity';
import type { Outcome, WebhookService } from './webhook.service';

/**
 * Cal.com moves bookings along. Each trigger maps to one consultation change; a trigger about a
 * booking we do not know yet is IGNORED and replayed when BOOKING_CREATED introduces that booking,
 * so a cancellation or a reschedule that overtook its creation still applies, and never the other
 * way round (nothing already cancelled comes back).
 */
export class CalcomHandler {
  constructor(
    private readonly consultations: ConsultationService,
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

  private find(e: CalcomEvent, uids: (string | null)[]): Promise<Consultation | null> {
    return this.consultations.findForCalBooking(uids, e.consultationId);
  }

  private async created(e: CalcomEvent): Promise<Outcome> {
    if (!e.uid) return 'ignored';
    const c = await this.find(e, [e.uid]);
    if (!c) return 'ignored';
    if (c.status === S.CANCELLED && c.calBookingId && c.calBookingId !== e.uid) return 'processed';
    try {
      await this.consultations.linkCalBooking(c.id, { uid: e.uid, videoUrl: e.videoUrl, startTime: e.startTime });
    } finally {
      await this.replayEarlierEvents(c.id);
    }
    return 'processed';
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
    const c = await this.find(e, [e.uid]);
    if (!c) return 'ignored';
    if (!canTransition(c.status, S.CANCELLED)) return 'ignored'; // e.g. the echo of our own cancellation
    const consultation = await this.em().findOneOrFail(Consultation, { id: c.id }, { populate: ['advisor.user', 'client'] });
    // Who cancelled decides the refund, exactly as cancelConsultation decides it. Cal.com names
    // the canceller by email: the organizer is the advisor; anyone else is taken as the client.
    const byAdvisor =
      !!e.cancelledBy && (e.cancelledBy === e.organizerEmail || e.cancelledBy === consultation.advisor.user.email.toLowerCase());
    const actor = byAdvisor
      ? { kind: ActorKind.ADVISOR, userId: consultation.advisor.user.id }
      : { kind: ActorKind.CLIENT, userId: consultation.client.id };
    const at = e.createdAt && e.createdAt.getTime() <= Date.now() ? e.createdAt : new Date();
    await this.consultations.cancelAs(
      c.id,
      actor,
      e.cancellationReason ? `Cancelled in Cal.com: ${e.cancellationReason}` : 'Cancelled in Cal.com',
      {
        refundSource: RefundSource.CALCOM_CANCELLATION,
        fromCalcom: true,
        at,
      },
    );
    return 'processed';
  }

  private async rescheduled(e: CalcomEvent): Promise<Outcome> {
    if (!e.uid || !e.startTime) return 'ignored';
    const c = await this.find(e, [e.rescheduleUid, e.uid]);
    if (!c) return 'ignored';
    if (c.calBookingId === e.uid && c.startTime.getTime() === e.startTime.getTime()) return 'processed'; // already there
    await this.consultations.reschedule(c.id, { uid: e.uid, startTime: e.startTime, videoUrl: e.videoUrl });
    await this.replayEarlierEvents(c.id);
    return 'processed';
  }

  private async move(e: CalcomEvent, to: S.IN_PROGRESS | S.COMPLETED | S.NO_SHOW, reason: string): Promise<Outcome> {
    const c = await this.find(e, [e.uid]);
    if (!c || !canTransition(c.status, to)) return 'ignored';
    try {
      // A meeting that ended had started: the same steps as when MEETING_STARTED came first.
      if (to === S.COMPLETED && c.status === S.SCHEDULED) {
        await this.consultations.finish(
          c.id,
          S.IN_PROGRESS,
          { kind: ActorKind.CALCOM, userId: null },
          'Meeting started (implied by its end)',
        );
      }
      await this.consultations.finish(c.id, to, { kind: ActorKind.CALCOM, userId: null }, reason);
    } catch (err) {
      // Lost a race with another change: whatever won stands.
      if (err instanceof DomainError && err.code === 'CONFLICT') return 'ignored';
      throw err;
    }
    return 'processed';
  }

  private async noShow(e: CalcomEvent): Promise<Outcome> {
    const c = await this.find(e, [e.uid]);
    if (!c || !canTransition(c.status, S.NO_SHOW) || c.startTime.getTime() > Date.now()) return 'ignored';
    const full = await this.em().findOneOrFail(Consultation, { id: c.id }, { populate: ['client'] });
    const clientEmail = full.client.email.toLowerCase();
    const clientAbsent = e.attendees.some((a) => a.noShow === true && (a.email === clientEmail || e.attendees.length === 1));
    if (!clientAbsent) return 'ignored';
    return this.move(e, S.NO_SHOW, 'Client marked absent in Cal.com');
  }
}
