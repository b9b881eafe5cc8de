import { addMonths, monthFromFirstDay, monthOf, parseMonth } from './month';

describe('months', () => {
  it('spans exactly the UTC month, end exclusive', () => {
    const m = parseMonth('2026-09');
    expect(m).toMatchObject({ key: '2026-09', firstDay: '2026-09-01', label: 'September 2026' });
    expect(m.start.toISOString()).toBe('2026-09-01T00:00:00.000Z');
    expect(m.end.toISOString()).toBe('2026-10-01T00:00:00.000Z');
  });

  it('rolls over the year both ways', () => {
    expect(parseMonth('2026-12').end.toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(addMonths(parseMonth('2026-01'), -1).key).toBe('2025-12');
    expect(addMonths(parseMonth('2026-11'), 3).key).toBe('2027-02');
  });

  it('puts the last millisecond of a month in that month and the next instant in the next', () => {
    expect(monthOf(new Date('2026-09-30T23:59:59.999Z')).key).toBe('2026-09');
    expect(monthOf(new Date('2026-10-01T00:00:00.000Z')).key).toBe('2026-10');
    expect(monthFromFirstDay('2026-10-01').key).toBe('2026-10');
  });

  it.each(['2026-9', '2026-13', '2026-00', '26-09', '2026-09-01', '', '1999-12'])('refuses %p', (v) => {
    expect(() => parseMonth(v)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});
