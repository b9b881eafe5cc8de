/**
 * RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted, quotes doubled, lines end CRLF.
 * Text that a spreadsheet would run as a formula (=, +, -, @, tab, CR first) is prefixed with an
 * apostrophe: names and notes come from users. Numbers (integers, and amounts as decimals) and
 * timestamps (ISO 8601, UTC) are values, never guarded, so a negative amount stays a number.
 */

/** An amount of cents written as a decimal number (-500 -> -5.00), unquoted and unguarded. */
export class Amount {
  constructor(readonly cents: number) {}
  toString(): string {
    return centsToDecimal(this.cents);
  }
}

export type CsvValue = string | number | bigint | boolean | Date | Amount | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Amount) return value.toString();
  let s = value instanceof Date ? value.toISOString() : value;
  if (!(value instanceof Date) && FORMULA_START.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

/** Cents as a decimal amount (1330 -> 13.30, -5 -> -0.05), for people reading the sheet. */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
