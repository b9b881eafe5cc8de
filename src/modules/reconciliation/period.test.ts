import { DomainError } from '../../common/errors';
import { checkPeriod, lastDays, parseDay } from './period';

const now = new Date('2026-11-25T09:30:00.000Z');

describe('ledger check periods', () => {
  it('defaults to the 30 days before now', () => {
    expect(checkPeriod({}, now)).toEqual({ from: new Date('2026-10-26T09:30:00.000Z'), to: now });
    expect(lastDays(now)).toEqual(checkPeriod({}, now));
  });

  it('reads --from as a first day and --to as a last day, included', () => {
    expect(checkPeriod({ from: '2026-10-01', to: '2026-10-31' }, now)).toEqual({
      from: new Date('2026-10-01T00:00:00.000Z'),
      to: new Date('2026-11-01T00:00:00.000Z'),
    });
    expect(checkPeriod({ from: '2026-11-20' }, now)).toEqual({ from: new Date('2026-11-20T00:00:00.000Z'), to: now });
    expect(checkPeriod({ to: '2026-10-31' }, now)).toEqual({
      from: new Date('2026-10-02T00:00:00.000Z'),
      to: new Date('2026-11-01T00:00:00.000Z'),
    });
    expect(checkPeriod({ from: '2026-10-31', to: '2026-10-31' }, now).to).toEqual(new Date('2026-11-01T00:00:00.000Z'));
  });

  it.each([
    [{ from: '2026-02-30' }, 'from'],
    [{ from: '2026-1-01' }, 'from'],
    [{ to: 'yesterday' }, 'to'],
    [{ from: '2026-11-02', to: '2026-11-01' }, 'from'],
    [{ from: '2024-01-01', to: '2026-01-01' }, 'to'],
  ])('refuses %j', (input, field) => {
    let error: unknown;
    try {
      checkPeriod(input, now);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'BAD_USER_INPUT', details: { fields: [expect.objectContaining({ field })] } });
  });

  it('parses real calendar dates only', () => {
    expect(parseDay('2028-02-29', 'd')).toEqual(new Date('2028-02-29T00:00:00.000Z'));
    expect(() => parseDay('2026-02-29', 'd')).toThrow('d: must be a date');
  });
});
