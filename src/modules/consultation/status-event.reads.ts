import type { EntityManager } from '@mikro-orm/postgresql';
import { notFound } from '../../common/errors';
import type { ChargeFields, ConsultationFields } from './consultation.views';

/*
 * What a status event's subscribers are shown, read with hand-written statements straight into the
 * fields the views take, without the ORM: at a few hundred events a second, building the query and
 * mapping rows to entities cost the receiving instance more than the rest of the fan-out. Of the
 * client only what some view shows is read.
 */
const COLUMNS = `c.id, c.status, c.start_time as "startTime", c.end_time as "endTime",
  c.duration_minutes as "durationMinutes", c.video_url as "videoUrl", c.currency, c.cancelled_at as "cancelledAt",
  c.cancelled_by as "cancelledBy", c.cancellation_reason as "cancellationReason", c.created_at as "createdAt",
  c.price_cents as "priceCents", c.platform_fee_cents as "platformFeeCents", c.advisor_earnings_cents as "advisorEarningsCents",
  c.pricing_snapshot as "pricingSnapshot", c.locale, c.client_timezone as "clientTimezone", c.project_id as "projectId",
  c.cal_booking_id as "calBookingId", c.notes,
  a.id as "advisorId", a.display_name as "displayName", a.bio, a.avatar_url as "avatarUrl", a.skills, a.specialties,
  a.languages, a.country_code as "countryCode", a.cal_com_event_type_url as "calComEventTypeUrl", a.rating,
  a.review_count as "reviewCount", a.is_accepting_bookings as "isAcceptingBookings", a.created_at as "advisorCreatedAt",
  u.id as "clientId", u.email as "clientEmail", u.given_name as "clientGivenName", u.family_name as "clientFamilyName"`;
const CHARGE_COLUMNS = `ch.status as "chargeStatus", ch.refunded_cents as "chargeRefundedCents"`;
const FROM = `from consultations c join advisors a on a.id = c.advisor_id join users u on u.id = c.client_id`;

const EVENT_SQL = `select ${COLUMNS}\n  ${FROM} where c.id = ?`;
const EVENT_WITH_CHARGE_SQL = `select ${COLUMNS}, ${CHARGE_COLUMNS}\n  ${FROM} left join consultation_charges ch on ch.consultation_id = c.id where c.id = ?`;

/** Timestamps come as text (the ORM's driver turns pg's own parsing off and converts itself). */
type Timestamps = 'startTime' | 'endTime' | 'cancelledAt' | 'createdAt';
type EventRow = Omit<ConsultationFields, 'advisor' | 'client' | Timestamps> &
  Omit<ConsultationFields['advisor'], 'id' | 'createdAt'> & {
    startTime: string;
    endTime: string;
    cancelledAt: string | null;
    createdAt: string;
    advisorId: string;
    advisorCreatedAt: string;
    clientId: string;
    clientEmail: string;
    clientGivenName: string | null;
    clientFamilyName: string | null;
    chargeStatus?: ChargeFields['status'] | null;
    chargeRefundedCents?: number | null;
  };

/** The consultation of an event with its parties, and its charge when `withCharge` (a client is listening). */
export async function readStatusEventRow(
  em: EntityManager,
  id: string,
  withCharge: boolean,
): Promise<{ consultation: ConsultationFields; charge: ChargeFields | null }> {
  const [r] = await em.getConnection().execute<EventRow[]>(withCharge ? EVENT_WITH_CHARGE_SQL : EVENT_SQL, [id]);
  if (!r) throw notFound('Consultation');
  const charge = r.chargeStatus ? { status: r.chargeStatus, refundedCents: r.chargeRefundedCents ?? 0 } : null;
  return { consultation: toFields(r), charge };
}

/** The charge alone, for a client whose turn came after the row was read without it. */
export async function readStatusEventCharge(em: EntityManager, consultationId: string): Promise<ChargeFields | null> {
  const [row] = await em
    .getConnection()
    .execute<ChargeFields[]>('select status, refunded_cents as "refundedCents" from consultation_charges where consultation_id = ?', [
      consultationId,
    ]);
  return row ?? null;
}

function toFields(r: EventRow): ConsultationFields {
  return {
    id: r.id,
    status: r.status,
    startTime: new Date(r.startTime),
    endTime: new Date(r.endTime),
    durationMinutes: r.durationMinutes,
    videoUrl: r.videoUrl,
    currency: r.currency,
    cancelledAt: r.cancelledAt === null ? null : new Date(r.cancelledAt),
    cancelledBy: r.cancelledBy,
    cancellationReason: r.cancellationReason,
    createdAt: new Date(r.createdAt),
    priceCents: r.priceCents,
    platformFeeCents: r.platformFeeCents,
    advisorEarningsCents: r.advisorEarningsCents,
    pricingSnapshot: r.pricingSnapshot,
    locale: r.locale,
    clientTimezone: r.clientTimezone,
    projectId: r.projectId,
    calBookingId: r.calBookingId,
    notes: r.notes,
    advisor: {
      id: r.advisorId,
      displayName: r.displayName,
      bio: r.bio,
      avatarUrl: r.avatarUrl,
      skills: r.skills,
      specialties: r.specialties,
      languages: r.languages,
      countryCode: r.countryCode,
      calComEventTypeUrl: r.calComEventTypeUrl,
      rating: r.rating,
      reviewCount: r.reviewCount,
      isAcceptingBookings: r.isAcceptingBookings,
      createdAt: new Date(r.advisorCreatedAt),
    },
    client: { id: r.clientId, email: r.clientEmail, givenName: r.clientGivenName, familyName: r.clientFamilyName },
  };
}
