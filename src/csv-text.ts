import { stringify } from 'csv-stringify/sync';

/**
 * Every CSV the tool writes, whatever writes it (a statement, a journal, an ingest's
 * rejects file): one writer and one escaping rule, shared by report/ and ingest/.
 */

/**
 * Rows as CSV with `\n` line ends. A cell holding a bare CR or LF is always quoted: many
 * readers take a lone CR for a line break, and csv-stringify quotes only the line end it writes.
 */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return stringify(rows as string[][], { record_delimiter: 'unix', quoted_match: /[\r\n]/ });
}

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

/** Undoes safeText. */
export function unescapeText(text: string): string {
  return text.startsWith("'") ? text.slice(1) : text;
}
