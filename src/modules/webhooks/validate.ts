import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Shape checks for webhook bodies whose signature is good, before anything of them reaches the
 * database: a signed body is still only as well-formed as its sender made it. Each check returns
 * why a body is refused, or null. Refused deliveries are answered 400 and logged (provider,
 * reason, size and a hash of the body, never the body), not recorded: the table of deliveries
 * holds events we can act on, and a sender that keeps sending a malformed event sees 400 each time.
 */

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const shortString = (v: unknown, max = 255): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

/** Deeper than this is not a webhook; checked without recursion, so no body can overflow the stack. */
const MAX_DEPTH = 32;

/** A lone UTF-16 surrogate: JSON can carry it (`\ud800`), PostgreSQL's jsonb and text cannot. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function badText(s: string): boolean {
  return s.includes('\u0000') || LONE_SURROGATE.test(s);
}

/** Strings PostgreSQL cannot store (NUL, lone surrogates), in keys or values, or nesting past MAX_DEPTH. */
export function malformedText(value: unknown): string | null {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    if (typeof v === 'string') {
      if (badText(v)) return 'the body contains text that cannot be stored (NUL or a lone surrogate)';
    } else if (typeof v === 'object' && v !== null) {
      if (depth >= MAX_DEPTH) return `the body is nested deeper than ${MAX_DEPTH} levels`;
      for (const [k, child] of Array.isArray(v) ? v.entries() : Object.entries(v)) {
        if (typeof k === 'string' && badText(k)) return 'the body contains text that cannot be stored (NUL or a lone surrogate)';
        stack.push({ v: child, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** Stripe: `{ id: "evt_...", type: "a.b", data: { object: { id: "..." } } }`. */
export function stripeEventProblem(event: unknown): string | null {
  if (!isObject(event)) return 'the event is not an object';
  if (typeof event.id !== 'string' || !/^evt_[A-Za-z0-9_]{1,250}$/.test(event.id)) return 'id must be a string like evt_...';
  if (typeof event.type !== 'string' || !/^[a-z][a-z0-9_.]{0,99}$/.test(event.type)) return 'type must be an event type string';
  if (!isObject(event.data) || !isObject(event.data.object)) return 'data.object must be an object';
  if (!shortString(event.data.object.id)) return 'data.object.id must be a string';
  return malformedText(event);
}

const CALCOM_IDS = ['uid', 'bookingUid', 'rescheduleUid'] as const;

/** Cal.com: `{ triggerEvent: "BOOKING_CREATED", payload: { uid, ... } }`, or flat for MEETING_STARTED/ENDED. */
export function calcomBodyProblem(body: unknown): string | null {
  if (!isObject(body)) return 'the body is not an object';
  if (typeof body.triggerEvent !== 'string' || !/^[A-Z][A-Z_]{0,63}$/.test(body.triggerEvent)) return 'triggerEvent must be an event name';
  if (body.payload !== undefined && !isObject(body.payload)) return 'payload must be an object';
  for (const where of [body, body.payload].filter(isObject)) {
    for (const key of CALCOM_IDS) {
      if (where[key] !== undefined && where[key] !== null && !shortString(where[key], 2000)) return `${key} must be a string`;
    }
    if (where.metadata !== undefined && where.metadata !== null && !isObject(where.metadata)) return 'metadata must be an object';
    if (where.attendees !== undefined && !(Array.isArray(where.attendees) && where.attendees.every(isObject))) {
      return 'attendees must be a list of objects';
    }
  }
  return malformedText(body);
}

/** Answers 400 for a signed but malformed delivery, logging what identifies it and not what it says. */
export function refuseWebhook(request: FastifyRequest, reply: FastifyReply, provider: string, reason: string): FastifyReply {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  request.log.warn(
    { provider, reason, bytes: raw.length, sha256: createHash('sha256').update(raw).digest('hex') },
    'webhook delivery refused: malformed body',
  );
  return reply.code(400).send({ error: `malformed event: ${reason}` });
}
