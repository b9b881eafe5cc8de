import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for Cal.com's API v2 slots endpoint, answering as Cal.com does:
 * `GET /v2/slots?eventTypeSlug&username&start&end&timeZone&duration` with `cal-api-version: 2024-09-04`
 * and a Bearer API key, answered `{ status: 'success', data: { 'YYYY-MM-DD': [{ start }] } }`, each
 * start in the requested zone's offset and grouped by that zone's date. Tests set the free starts.
 */
export interface FakeCalcom {
  url: string;
  /** Free starts (ISO) per event type, keyed `username/eventTypeSlug`. */
  slots: Map<string, string[]>;
  requests: { path: string; query: Record<string, string>; auth: string | undefined; version: string | undefined }[];
  /** Answer this HTTP status (once per request) instead, while > 0 requests are left to fail. */
  failNext(status: number, times?: number): void;
  close(): Promise<void>;
}

export const CALCOM_SLOTS_VERSION = '2024-09-04';

/** An instant's wall clock in a zone: its date, "HH:MM", and ISO text with the zone's offset (as Cal.com writes starts). */
export function wallClock(instant: number, timeZone: string): { date: string; time: string; iso: string } {
  const f = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const p = Object.fromEntries(f.formatToParts(new Date(instant)).map((x) => [x.type, x.value]));
  const local = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  const offset = Math.round((local - (instant - (instant % 1000))) / 60_000);
  const abs = Math.abs(offset);
  const off = `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  const date = `${p.year}-${p.month}-${p.day}`;
  return { date, time: `${p.hour}:${p.minute}`, iso: `${date}T${p.hour}:${p.minute}:${p.second}.000${off}` };
}

const error = (res: http.ServerResponse, status: number, code: string, message: string) =>
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: { code, message } }));

export async function startFakeCalcom(apiKey: string): Promise<FakeCalcom> {
  const slots = new Map<string, string[]>();
  const requests: FakeCalcom['requests'] = [];
  let failing = { status: 0, times: 0 };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url!, 'http://localhost');
    const query = Object.fromEntries(u.searchParams);
    requests.push({
      path: u.pathname,
      query,
      auth: req.headers.authorization,
      version: req.headers['cal-api-version'] as string | undefined,
    });
    if (failing.times > 0) {
      failing.times--;
      return error(res, failing.status, 'InternalServerErrorException', 'Something went wrong');
    }
    if (req.method !== 'GET' || u.pathname !== '/v2/slots')
      return error(res, 404, 'NotFoundException', `Cannot ${req.method} ${u.pathname}`);
    if (req.headers.authorization !== `Bearer ${apiKey}`) return error(res, 401, 'UnauthorizedException', 'Invalid API key');
    if (req.headers['cal-api-version'] !== CALCOM_SLOTS_VERSION) {
      return error(res, 400, 'BadRequestException', 'This endpoint needs cal-api-version 2024-09-04');
    }
    const { eventTypeSlug, username, start, end } = query;
    if (!eventTypeSlug || !username) return error(res, 400, 'BadRequestException', 'eventTypeId or eventTypeSlug with username required');
    const from = Date.parse(start ?? '');
    const to = Date.parse(end ?? '');
    if (Number.isNaN(from) || Number.isNaN(to)) return error(res, 400, 'BadRequestException', 'start and end must be ISO 8601');
    const timeZone = query.timeZone || 'UTC';
    const data: Record<string, { start: string }[]> = {};
    for (const s of (slots.get(`${username}/${eventTypeSlug}`) ?? []).map(Date.parse).sort((a, b) => a - b)) {
      if (s < from || s > to) continue;
      const { date, iso } = wallClock(s, timeZone);
      (data[date] ??= []).push({ start: iso });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    slots,
    requests,
    failNext(status, times = 1) {
      failing = { status, times };
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
