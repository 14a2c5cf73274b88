import { utilisationPct, type BillingSummary, type BillingSummaryRow } from '../domain/billing-summary.js';
import { Decimal, formatAmount } from '../domain/money.js';
import { printable } from './cells.js';
import { fitTable, type Column, type Look } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface BillingSummaryView {
  month: string;
  zone: string;
  summary: BillingSummary;
}

const COLUMNS = (title: string): Column[] => [
  { head: title, shrink: true },
  { head: 'records', align: 'right', drop: 2 },
  { head: 'billed cost', align: 'right' },
  { head: 'effective cost', align: 'right', drop: 1 },
  { head: 'currency' },
];

function table(title: string, rows: readonly BillingSummaryRow[], look: Look): string {
  // The total's billed cost is what the month's invoices add up to: say so where it stands.
  return fitTable({
    columns: COLUMNS(title),
    rows: rows.map((r) => [r.group === 'total' ? 'total (billed: the invoice total)' : printable(r.group), r.records,
      formatAmount(r.billedCost), formatAmount(r.effectiveCost), r.currency]),
  }, look);
}

const record = (kind: string) => (r: BillingSummaryRow) => ({
  kind, group: r.group, currency: r.currency, records: r.records, billed_cost: r.billedCost.toFixed(), effective_cost: r.effectiveCost.toFixed(),
});

const currenciesOf = (rows: readonly BillingSummaryRow[]) => [...new Set(rows.map((r) => r.currency))];
const of = (rows: readonly BillingSummaryRow[], group: string, currency: string) => (rows.find((r) => r.group === group && r.currency === currency)?.effectiveCost ?? 0).toFixed();

/** Reservations and Savings Plans the bill marks: used and unused effective cost, and the utilisation. */
function commitments(summary: BillingSummary): string {
  return currenciesOf(summary.byCommitment).map((currency) => {
    const pct = utilisationPct(summary.byCommitment, currency);
    return `Commitments (${currency}): used ${formatAmount(new Decimal(of(summary.byCommitment, 'used', currency)))}, ` +
      `unused ${formatAmount(new Decimal(of(summary.byCommitment, 'unused', currency)))}` +
      `${pct === null ? '' : `: ${pct.toFixed(1)}% utilised`} (effective cost)\n`;
  }).join('');
}

/** `billing summary`: the month's cloud cost by provider and service, by tag, and the invoice total per currency. */
export const BILLING_SUMMARY_VIEW: View<BillingSummaryView> = {
  table: ({ month, zone, summary }, look) => {
    const head = `Billing ${month} (${zone}): billed cost by invoice (the billing period it names, else prorated), effective cost amortised over the charge period\n`;
    return head + `${table('provider / service', [...summary.byService, ...summary.total], look)}\n` +
      (summary.byTag.length > 0 ? `${table('tag', summary.byTag, look)}\n` : '') + commitments(summary);
  },
  json: ({ month, zone, summary }) => asJson({
    month, time_zone: zone,
    by_service: summary.byService.map(record('service')), by_tag: summary.byTag.map(record('tag')), total: summary.total.map(record('total')),
    commitments: currenciesOf(summary.byCommitment).map((currency) => ({
      currency, used_effective_cost: of(summary.byCommitment, 'used', currency), unused_effective_cost: of(summary.byCommitment, 'unused', currency),
      utilisation_pct: utilisationPct(summary.byCommitment, currency)?.toFixed(2) ?? null,
    })),
  }),
  csv: ({ summary }) => asCsv(['kind', 'group', 'currency', 'records', 'billed_cost', 'effective_cost'],
    [...summary.byService.map(record('service')), ...summary.byTag.map(record('tag')), ...summary.total.map(record('total')),
      ...summary.byCommitment.map(record('commitment'))].map(Object.values)),
};
