import { fromLocal, offsetString, toLocal } from './zoned-time';

describe('zoned time', () => {
  it('maps local times to instants on both sides of a daylight-saving change', () => {
    // New York springs forward on 8 March 2026 at 02:00 local.
    expect(new Date(fromLocal(2026, 3, 6, 9 * 60, 'America/New_York')).toISOString()).toBe('2026-03-06T14:00:00.000Z');
    expect(new Date(fromLocal(2026, 3, 9, 9 * 60, 'America/New_York')).toISOString()).toBe('2026-03-09T13:00:00.000Z');
    // Berlin falls back on 25 October 2026 at 03:00 local.
    expect(new Date(fromLocal(2026, 10, 23, 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-10-23T07:00:00.000Z');
    expect(new Date(fromLocal(2026, 10, 26, 9 * 60, 'Europe/Berlin')).toISOString()).toBe('2026-10-26T08:00:00.000Z');
  });

  it('moves a time in the spring gap forward and takes the first of a time that occurs twice', () => {
    expect(new Date(fromLocal(2026, 3, 8, 2 * 60 + 30, 'America/New_York')).toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(new Date(fromLocal(2026, 10, 25, 2 * 60 + 30, 'Europe/Berlin')).toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(new Date(fromLocal(2026, 11, 1, 60 + 30, 'America/New_York')).toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('reads the local weekday and offset', () => {
    expect(toLocal(Date.parse('2026-03-09T13:00:00Z'), 'America/New_York')).toMatchObject({ weekday: 1, hour: 9, day: 9 });
    expect(offsetString(Date.parse('2026-07-01T00:00:00Z'), 'Asia/Kolkata')).toBe('+05:30');
    expect(offsetString(Date.parse('2026-01-01T00:00:00Z'), 'America/New_York')).toBe('-05:00');
  });
});
