import { formatAmount, formatQuantity, type Decimal } from '../domain/money.js';

/**
 * The one escaping rule of every CSV we write (SPEC §6, issue 13): text that a spreadsheet or
 * ERP could run as a formula gets a leading `'`: a cell starting with `=`, `+`, `-`, `@`, tab
 * or CR (or a look-alike: FORMULA_START), also after leading spaces, line breaks or invisible
 * characters. A cell that starts with `'` gets one too,
 * so the escape is always undone by removing one leading `'` (unescapeText). Only text cells
 * are escaped: a negative amount is a number and stays one.
 */
export function safeText(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/**
 * What a formula may start with, after spaces and characters that show nothing (bidi marks
 * and overrides, zero-width spaces, a byte-order mark): OWASP's list, and the full-width and
 * small forms of = + - @ and the minus sign, which spreadsheets in some locales read as them.
 */
const INVISIBLE = '\\u061c\\u180e\\u200b-\\u200f\\u202a-\\u202e\\u2060-\\u2069\\ufeff';
const FORMULA_CHARACTERS = '=+\\-@\\t\\r\\u2212\\ufe62\\ufe63\\ufe66\\uff0b\\uff0d\\uff1d\\uff20';
const FORMULA_START = new RegExp(`^[\\s${INVISIBLE}]*[${FORMULA_CHARACTERS}]|^'`, 'u');

/**
 * Text as a terminal may show it (issue 13): control characters (escape sequences, bells,
 * carriage returns) in names read from files are written as \u escapes, never sent raw.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Undoes safeText. */
export function unescapeText(text: string): string {
  return text.startsWith("'") ? text.slice(1) : text;
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
