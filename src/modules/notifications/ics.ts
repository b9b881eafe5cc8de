import { createEvent } from 'ics';
import type { Calendar } from './templates/types';

export interface InvitationInput {
  calendar: Calendar;
  startTime: string;
  durationMinutes: number;
  title: string;
  description: string;
  url: string | null;
  organizer: { name: string; email: string };
  attendee: { name: string | null; email: string };
}

/**
 * The iCalendar (RFC 5545/5546) invitation attached to the client's confirmation, reschedule and
 * cancellation: one UID per consultation, METHOD:REQUEST with a higher SEQUENCE for each change,
 * METHOD:CANCEL (STATUS:CANCELLED) at the end, and times in UTC so no calendar guesses a zone.
 */
export function invitation(input: InvitationInput): string {
  const cancel = input.calendar.method === 'CANCEL';
  const { error, value } = createEvent({
    productId: 'advisor-network/emails',
    method: input.calendar.method,
    uid: input.calendar.uid,
    sequence: input.calendar.sequence,
    start: new Date(input.startTime).getTime(),
    startInputType: 'utc',
    startOutputType: 'utc',
    duration: { minutes: input.durationMinutes },
    title: input.title,
    description: input.description,
    ...(input.url ? { url: input.url } : {}),
    status: cancel ? 'CANCELLED' : 'CONFIRMED',
    organizer: input.organizer,
    attendees: [
      {
        ...(input.attendee.name ? { name: input.attendee.name } : {}),
        email: input.attendee.email,
        rsvp: false,
        partstat: 'ACCEPTED',
        role: 'REQ-PARTICIPANT',
      },
    ],
  });
  if (error || !value) throw new Error(`could not build the calendar invitation: ${error?.message ?? 'no output'}`);
  return value;
}
