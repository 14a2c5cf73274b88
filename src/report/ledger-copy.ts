import type { TableCopy } from '../ledger/copy.js';
import { fitTable } from './table.js';
import { asJson, type View } from './view.js';

export interface LedgerCopyView {
  from: string;
  to: string;
  tables: readonly TableCopy[];
}

/** `ledger copy`: the rows copied per table, after the verify step found both ledgers equal. */
export const LEDGER_COPY_VIEW: View<LedgerCopyView> = {
  table: ({ from, to, tables }, look) => `Copied ${from} → ${to}\n${fitTable({
    columns: [{ head: 'table' }, { head: 'rows', align: 'right' }],
    rows: tables.map((t) => [t.table, t.rows]),
  }, look)}\nverified: every table has the same rows in both ledgers, compared row by row in key order\n`,
  json: ({ from, to, tables }) => asJson({ from, to, verified: true, tables: tables.map((t) => ({ table: t.table, rows: t.rows })) }),
};
