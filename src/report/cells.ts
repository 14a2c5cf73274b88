import { formatAmount, formatQuantity, type Decimal } from '../domain/money.js';

/**
 * Text as a terminal may show it (issue 13): control characters (escape sequences, bells,
 * carriage returns) in names read from files are written as \u escapes, never sent raw.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export const optionalQuantity = (value: Decimal | null): string => (value === null ? '' : formatQuantity(value));

/** Groups the integer digits of a plain decimal with commas, for people (never for CSV). */
export function grouped(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
}

export { formatAmount, formatQuantity };

/**
 * A unit price or unit cost for people (issue 33): four significant digits, or every digit
 * of its whole part where it has more, grouped. 0.00027690376415945108 reads 0.0002769.
 * Views that print it also give the exact decimal (a tooltip, `--exact`).
 */
export function readable(value: Decimal): string {
  if (value.isZero()) return '0';
  const whole = value.abs().truncated().toFixed().replace(/^0$/, '').length;
  return grouped(value.toSignificantDigits(Math.max(4, whole)).toFixed());
}
