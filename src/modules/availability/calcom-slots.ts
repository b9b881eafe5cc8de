/**
 * Cal.com's slots API (v2, `GET /v2/slots`, `cal-api-version: 2024-09-04`): the free starts of an
 * event type between two instants, answered as `{ status: 'success', data: { 'YYYY-MM-DD': [{ start }] } }`
 * with each start an ISO time carrying the requested zone's offset.
 */

export const SLOTS_API_VERSION = '2024-09-04';

/** An event type as its public booking link names it: https://cal.com/<username>/<slug>, or <org>.cal.com/... */
export interface CalcomEventType {
  username: string;
  eventTypeSlug: string;
  organizationSlug: string | null;
}

export function eventTypeOf(url: string | null): CalcomEventType | null {
  if (!url) return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const [username, eventTypeSlug] = u.pathname.split('/').filter(Boolean);
  if (!username || !eventTypeSlug) return null;
  const sub = /^([a-z0-9-]+)\.cal\.com$/i.exec(u.hostname)?.[1];
  const organizationSlug = sub && !['app', 'www', 'api'].includes(sub.toLowerCase()) ? sub : null;
  return { username, eventTypeSlug, organizationSlug };
}

export class CalcomSlotsError extends Error {
  override name = 'CalcomSlotsError';
}

export class CalcomSlots {
  constructor(
    private readonly apiBase: string,
    private readonly apiKey: string | undefined,
  ) {}

  get enabled(): boolean {
    return !!this.apiKey;
  }

  /** Free starts of the event type in [from, to], as instants (ms). */
  async starts(eventType: CalcomEventType, from: Date, to: Date, durationMinutes: number): Promise<number[]> {
    const q = new URLSearchParams({
      eventTypeSlug: eventType.eventTypeSlug,
      username: eventType.username,
      start: from.toISOString(),
      end: to.toISOString(),
      timeZone: 'UTC',
      duration: String(durationMinutes),
    });
    if (eventType.organizationSlug) q.set('organizationSlug', eventType.organizationSlug);
    let res: Response;
    try {
      res = await fetch(`${this.apiBase.replace(/\/$/, '')}/v2/slots?${q}`, {
        headers: { authorization: `Bearer ${this.apiKey}`, 'cal-api-version': SLOTS_API_VERSION },
        signal: AbortSignal.timeout(10_000),
      });
    } catch (err) {
      throw new CalcomSlotsError(`Cal.com did not answer for slots: ${(err as Error).message}`);
    }
    if (!res.ok) throw new CalcomSlotsError(`Cal.com answered ${res.status} for slots`);
    const body = (await res.json().catch(() => null)) as { status?: string; data?: Record<string, { start?: unknown }[]> } | null;
    if (!body || body.status !== 'success' || !body.data || typeof body.data !== 'object') {
      throw new CalcomSlotsError('Cal.com answered slots in an unexpected shape');
    }
    const starts: number[] = [];
    for (const day of Object.values(body.data)) {
      for (const slot of Array.isArray(day) ? day : []) {
        const t = typeof slot?.start === 'string' ? Date.parse(slot.start) : NaN;
        if (!Number.isNaN(t)) starts.push(t);
      }
    }
    return starts.sort((a, b) => a - b);
  }
}
