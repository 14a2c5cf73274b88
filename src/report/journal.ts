import { formatAmount } from '../domain/money.js';
import type { JournalLine } from '../domain/journal.js';
import { safeText } from './cells.js';
import { toCsv } from './csv.js';

export const JOURNAL_COLUMNS = ['posting_date', 'document', 'gl_account', 'cost_centre', 'debit', 'credit', 'currency', 'memo'] as const;

/** SPEC §7 as CSV: fixed two-decimal amounts, text escaped so no spreadsheet runs it. */
export function journalAsCsv(lines: readonly JournalLine[], currency: string): string {
  return toCsv([
    [...JOURNAL_COLUMNS],
    ...lines.map((j) => [j.postingDate, safeText(j.document), safeText(j.glAccount), safeText(j.costCentre),
      formatAmount(j.debit), formatAmount(j.credit), safeText(currency), safeText(j.memo)]),
  ]);
}

/** The same lines as JSON, amounts as strings. */
export function journalAsJson(lines: readonly JournalLine[], currency: string): string {
  const rows = lines.map((j) => ({ posting_date: j.postingDate, document: j.document, gl_account: j.glAccount, cost_centre: j.costCentre,
    debit: formatAmount(j.debit), credit: formatAmount(j.credit), currency, memo: j.memo }));
  return `${JSON.stringify(rows, null, 2)}\n`;
}
