import { formatAmount } from '../domain/money.js';
import type { JournalLine } from '../domain/journal.js';
import { printable } from './cells.js';
import { fitTable } from './table.js';
import { asJson, type View } from './view.js';
import { safeText, toCsv } from '../csv-text.js';

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
  return asJson(rows);
}

export interface JournalView {
  lines: readonly JournalLine[];
  currency: string;
}

/** `export erp`: CSV for the ERP (the default), JSON for programs, a table to read before posting. */
export const JOURNAL_VIEW: View<JournalView> = {
  table: ({ lines, currency }, look) => `${fitTable({
    columns: [{ head: 'posting date', drop: 2 }, { head: 'document', drop: 1, shrink: true }, { head: 'gl account' }, { head: 'cost centre', shrink: true },
      { head: `debit (${currency})`, align: 'right' }, { head: 'credit', align: 'right' }, { head: 'memo', drop: 3, shrink: true }],
    rows: lines.map((j) => [j.postingDate, printable(j.document), printable(j.glAccount), printable(j.costCentre), formatAmount(j.debit), formatAmount(j.credit), printable(j.memo)]),
  }, look)}\n`,
  csv: ({ lines, currency }) => journalAsCsv(lines, currency),
  json: ({ lines, currency }) => journalAsJson(lines, currency),
};
