import { Amount, centsToDecimal, csvField, csvLine } from './csv';

describe('csv', () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\rhere', '"cr\rhere"'],
    ['=HYPERLINK("x")', '"\'=HYPERLINK(""x"")"'],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@sum', "'@sum"],
    ['', ''],
  ])('quotes %p as %p', (input, expected) => {
    expect(csvField(input)).toBe(expected);
  });

  it('writes numbers, booleans, dates and nulls as values', () => {
    expect(csvField(-1330)).toBe('-1330');
    expect(csvField(true)).toBe('true');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(new Date('2026-09-01T00:00:00Z'))).toBe('2026-09-01T00:00:00.000Z');
  });

  it('writes amounts as unguarded decimal numbers, and guards text only', () => {
    expect(csvField(new Amount(-500))).toBe('-5.00');
    expect(csvField(new Amount(1330))).toBe('13.30');
    expect(csvField('-5.00')).toBe("'-5.00"); // text that looks like a number is still text from a user
    expect(csvLine(['2026-09-01T12:00:00.000000Z', new Amount(-5), -5])).toBe('2026-09-01T12:00:00.000000Z,-0.05,-5\r\n');
  });

  it('ends lines with CRLF', () => {
    expect(csvLine(['a', 1, null, 'b,c'])).toBe('a,1,,"b,c"\r\n');
  });

  it.each([
    [1330, '13.30'],
    [5, '0.05'],
    [-5, '-0.05'],
    [-245000, '-2450.00'],
    [0, '0.00'],
  ])('shows %i cents as %s', (cents, text) => {
    expect(centsToDecimal(cents)).toBe(text);
  });
});
