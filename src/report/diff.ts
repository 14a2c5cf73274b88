import type { StatementDiff } from '../domain/diff.js';
import { formatAmount, type Decimal } from '../domain/money.js';
import { grouped, printable } from './cells.js';
import { fitTable } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface DiffView {
  month: string;
  runId: number;
  rateCard: string;
  currency: string;
  diff: StatementDiff;
}

const signed = (d: Decimal) => `${d.isNegative() || d.isZero() ? '' : '+'}${formatAmount(d)}`;

/** `diff`: what another card would charge each centre against the run, and in total. */
export const DIFF_VIEW: View<DiffView> = {
  table: ({ month, runId, rateCard, diff }, look) => {
    const rows = diff.centres.map((c) => [printable(c.costCentre), grouped(formatAmount(c.before)), grouped(formatAmount(c.after)), grouped(signed(c.change))]);
    const t = diff.total;
    const total = [{ text: 'total', style: 'bold' as const }, grouped(formatAmount(t.before)), grouped(formatAmount(t.after)), { text: grouped(signed(t.change)), style: 'bold' as const }];
    const columns = [{ head: 'cost centre', shrink: true }, { head: `run ${runId}`, align: 'right' as const }, { head: 'what-if', align: 'right' as const }, { head: 'change', align: 'right' as const }];
    return `What-if ${month}: ${printable(rateCard)} against run ${runId} (nothing stored)\n${fitTable({ columns, rows: [...rows, total] }, look)}\n`;
  },
  json: ({ month, runId, rateCard, currency, diff }) => asJson({
    month, run: runId, rate_card: rateCard, currency,
    centres: diff.centres.map((c) => ({ cost_centre: c.costCentre, run: formatAmount(c.before), what_if: formatAmount(c.after), change: formatAmount(c.change) })),
    total: { run: formatAmount(diff.total.before), what_if: formatAmount(diff.total.after), change: formatAmount(diff.total.change) },
  }),
  csv: ({ diff }) => asCsv(['cost_centre', 'run', 'what_if', 'change'], [
    ...diff.centres.map((c) => [c.costCentre, formatAmount(c.before), formatAmount(c.after), formatAmount(c.change)]),
    ['total', formatAmount(diff.total.before), formatAmount(diff.total.after), formatAmount(diff.total.change)],
  ]),
};
