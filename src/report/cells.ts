import { formatAmount, formatQuantity, type Decimal } from '../domain/money.js';

/**
 * The one escaping rule of every CSV we write (SPEC §6, issue 13): text that a spreadsheet or
 * ERP could run as a formula gets a leading `'`: a cell starting with `=`, `+`, `-`, `@`, tab
 * or CR, also after leading spaces or line breaks. A cell that starts with `'` gets one too,
 * so the escape is always undone by removing one leading `'` (unescapeText). Only text cells
 * are escaped: a negative amount is a number and stays one.
 */
export function safeText(text: string): string {
  return /^[\s]*[=+\-@\t\r]|^'/.test(text) ? `'${text}` : text;
}

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
