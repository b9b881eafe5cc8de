import { badInput } from '../../common/errors';
import { assertUuid } from '../../common/ids';
import type { Config } from '../../config';
import { isDuration, type Duration } from '../pricing/pricing';
import type { ConsultationCharge } from './charge.entity';
import type { Consultation } from './consultation.entity';
import { isValidTimeZone } from '../notifications/format';

export interface BookInput {
  advisorId: string;
  durationMinutes: number;
  startTime: Date;
  calBookingId?: string | null;
  projectId?: string | null;
  locale?: string | null;
  clientTimezone?: string | null;
  paymentMethodId?: string | null;
}

export interface BookResult {
  consultation: Consultation;
  /** The charge as committed, when the booking has it at hand (else the resolver reads it). */
  charge?: ConsultationCharge;
  /** For the frontend to confirm the payment when no payment method was sent. */
  clientSecret: string | null;
}

const LOCALE = /^[a-z]{2,3}(-[a-z0-9]{2,8})*$/i;

/**
 * Checks a booking request before anything is held: every field named in a BAD_USER_INPUT, the
 * start within the minimum notice and the horizon. Answers the start (epoch ms) and the duration.
 */
export function checkBookInput(input: BookInput, booking: Config['booking'], now: number): { start: number; duration: Duration } {
  assertUuid(input.advisorId, 'advisorId');
  if (!isDuration(input.durationMinutes)) throw badInput('durationMinutes', 'must be 15, 30 or 60');
  const start = input.startTime.getTime();
  if (Number.isNaN(start)) throw badInput('startTime', 'is not a valid time');
  if (start < now + booking.minNoticeMinutes * 60_000) {
    throw badInput('startTime', `must be at least ${booking.minNoticeMinutes} minutes from now`);
  }
  if (start > now + booking.horizonDays * 86_400_000) {
    throw badInput('startTime', `must be within ${booking.horizonDays} days from now`);
  }
  if (input.projectId) assertUuid(input.projectId, 'projectId');
  if (input.calBookingId !== undefined && input.calBookingId !== null && !/^[\w-]{1,200}$/.test(input.calBookingId)) {
    throw badInput('calBookingId', 'must be 1-200 letters, digits, _ or -');
  }
  if (input.locale && !LOCALE.test(input.locale)) throw badInput('locale', 'must be a locale such as en-us');
  if (input.clientTimezone && !isValidTimeZone(input.clientTimezone)) throw badInput('clientTimezone', 'must be an IANA time zone');
  if (input.paymentMethodId !== undefined && input.paymentMethodId !== null && !/^pm_\w{1,200}$/.test(input.paymentMethodId)) {
    throw badInput('paymentMethodId', 'must be a Stripe payment method id (pm_...)');
  }
  return { start, duration: input.durationMinutes };
}
