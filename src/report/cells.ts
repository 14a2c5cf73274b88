import { formatAmount, formatQuantity, type Decimal } from '../domain/money.js';

/**
 * Text that a spreadsheet or ERP would run as a formula gets a leading `'` (SPEC §6). Only
 * text cells are escaped: a negative amount is a number and stays one.
 */
export function safeText(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export const optionalQuantity = (value: Decimal | null): string => (value === null ? '' : formatQuantity(value));

/** Groups the integer digits of a plain decimal with commas, for people (never for CSV). */
export function grouped(text: string): string {
  const [whole = '', fraction] = text.split('.');
  const withCommas = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? withCommas : `${withCommas}.${fraction}`;
}

export { formatAmount, formatQuantity };
