import type { EntityManager } from '@mikro-orm/postgresql';
import { conflict } from '../../common/errors';
import type { NotificationService } from '../notifications/notification.service';
import { ActorKind, Consultation } from './consultation.entity';
import { consultationRepository } from './consultation.repository';
import { ACTIVE_STATUSES } from './consultation.state';
import { SYSTEM_ACTING, type ConsultationLifecycle } from './lifecycle';

const CALCOM_ACTING = { kind: ActorKind.CALCOM, userId: null };

/** What the Cal.com webhook handler and job call: linking bookings, moving them, noting refusals. */
export class ConsultationCalendar {
  constructor(
    private readonly deps: {
      notifications: NotificationService;
      lifecycle: ConsultationLifecycle;
      em: () => EntityManager;
    },
  ) {}

  /**
   * Finds the consultation a Cal.com booking is linked to, by its uid only: a booking's metadata
   * can be written by whoever books on Cal.com, so it never decides which consultation an event
   * acts on (BOOKING_CREATED checks it before linking).
   */
  async findForCalBooking(uids: (string | null | undefined)[]): Promise<Consultation | null> {
    const em = this.deps.em();
    for (const uid of uids) {
      if (!uid) continue;
      const c = await em.findOne(Consultation, { calBookingId: uid });
      if (c) return c;
    }
    return null;
  }

  /** Cal.com refused for good to cancel its booking: said in the consultation's history, for admins. */
  async noteCalcomRefusal(uid: string, message: string): Promise<void> {
    const em = this.deps.em();
    const c = await em.findOne(Consultation, { calBookingId: uid });
    if (!c) return;
    this.deps.lifecycle.note(em, c, SYSTEM_ACTING, `Cal.com booking not cancelled: ${message}`.slice(0, 1000));
    await em.flush();
  }

  /**
   * BOOKING_CREATED: link the Cal.com booking and take its video link; times must be ours.
   * 'ignored' when the consultation is linked to another booking (rescheduled since, or another
   * booking naming it).
   */
  async linkCalBooking(
    id: string,
    booking: { uid: string; videoUrl: string | null; startTime: Date | null },
  ): Promise<'processed' | 'ignored'> {
    const needsMove = await this.deps.em().transactional(async (em) => {
      const c = await this.deps.lifecycle.lock(em, id);
      if (c.calBookingId && c.calBookingId !== booking.uid) return null;
      c.calBookingId = booking.uid;
      if (booking.videoUrl) c.videoUrl = booking.videoUrl;
      return !!booking.startTime && booking.startTime.getTime() !== c.startTime.getTime() && ACTIVE_STATUSES.includes(c.status);
    });
    if (needsMove === null) return 'ignored';
    if (needsMove) await this.reschedule(id, { uid: booking.uid, startTime: booking.startTime!, videoUrl: booking.videoUrl });
    return 'processed';
  }

  /**
   * BOOKING_RESCHEDULED: the same consultation, paid once, at a new time under the new uid. The
   * exclusion constraint refuses an overlap exactly as it refuses an overlapping booking.
   */
  async reschedule(id: string, to: { uid: string; startTime: Date; videoUrl: string | null }): Promise<Consultation> {
    return this.deps.em().transactional(async (em) => {
      const c = await this.deps.lifecycle.lock(em, id);
      if (!ACTIVE_STATUSES.includes(c.status)) throw conflict(`A ${c.status.toUpperCase()} consultation cannot be rescheduled`);
      const previousStart = c.startTime;
      const endTime = new Date(to.startTime.getTime() + c.durationMinutes * 60_000);
      await consultationRepository.moveTime(em, id, { uid: to.uid, startTime: to.startTime, endTime });
      await em.refresh(c);
      if (to.videoUrl) c.videoUrl = to.videoUrl;
      this.deps.lifecycle.note(em, c, CALCOM_ACTING, `Rescheduled to ${to.startTime.toISOString()}`);
      await this.deps.notifications.consultationRescheduled(em, c, previousStart);
      return c;
    });
  }
}
