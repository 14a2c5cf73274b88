import type { Adjustment } from '../domain/adjustments.js';
import { formatAmount, sum } from '../domain/money.js';
import type { StoredPoolCost, StoredUnpriced } from '../domain/run.js';
import { printable } from './cells.js';
import { poolCostsAsText } from './pool-costs.js';
import { statementAsTable } from './showback.js';
import { statementDocument, type StatementView } from './statement.js';
import type { Look } from './table.js';
import { asJson, type View } from './view.js';

/** What `compute` did: the statement it priced, where each pool's cost came from, and what it means for the books. */
export interface ComputeView {
  statement: StatementView & { reconciliation: NonNullable<StatementView['reconciliation']> };
  poolCosts: readonly StoredPoolCost[];
  /** Set when the month is closed and this run adjusts its books. */
  adjusts: { booksRunId: number; adjustments: readonly Adjustment[] } | null;
  closed: boolean;
  reconciled: boolean;
  unpriced: readonly StoredUnpriced[];
  /** How many unpriced groups the table lists (--verbose: all). */
  listed: number;
  /** Whether the table lists the unpriced groups: when the card makes them an error. */
  showUnpriced: boolean;
  warnings: readonly string[];
}

const signed = (amount: Adjustment['amount']) => `${amount.isNegative() ? '' : '+'}${formatAmount(amount)}`;

function computeAsTable(view: ComputeView, look: Look): string {
  const { month, runId } = view.statement;
  const parts = [statementAsTable(view.statement, look), poolCostsAsText(view.poolCosts)];
  if (view.adjusts) parts.push(adjustmentsAsText(month, runId, view.adjusts));
  if (view.closed) parts.push(`${month} closed on run ${runId}: later rows dated in it are refused unless --allow-closed\n`);
  if (view.showUnpriced && view.unpriced.length > 0) parts.push(unpricedAsText(view.unpriced, view.listed));
  return parts.join('');
}

function adjustmentsAsText(month: string, runId: number | null, adjusts: NonNullable<ComputeView['adjusts']>): string {
  const head = `${month} is closed: ${runId === null ? 'this dry run' : `run ${runId}`} adjusts the books so far (run ${adjusts.booksRunId})`;
  if (adjusts.adjustments.length === 0) return `${head}; it changes nothing\n`;
  const rows = adjusts.adjustments.map((a) => `  ${a.costCentre}: ${signed(a.amount)}`);
  return `${head}; adjustments against it:\n${rows.join('\n')}\n` +
    `Post only the differences: chargeback export erp --month ${month} --adjustments [--period YYYY-MM]\n`;
}

function unpricedAsText(unpriced: readonly StoredUnpriced[], listed: number): string {
  const rest = unpriced.length - Math.min(listed, unpriced.length);
  const rows = unpriced.slice(0, listed).map((u) =>
    `  ${u.model || '(no model)'}  ${u.identity}  requests=${u.requests} input_tokens=${u.input_tokens} output_tokens=${u.output_tokens}`);
  const more = rest > 0 ? `\n  … ${rest} more group${rest === 1 ? '' : 's'} (compute --verbose lists them all; the run keeps them)` : '';
  return `Unpriced usage (no pool takes it; never priced at zero):\n${rows.map(printable).join('\n')}${more}\n`;
}

/** The run as JSON: the statement's document, then the reconciliation, the books and what was not priced. */
function computeAsJson(view: ComputeView): string {
  const r = view.statement.reconciliation;
  return asJson({
    ...statementDocument(view.statement),
    dry_run: view.statement.runId === null,
    pool_costs: view.poolCosts,
    reconciliation: {
      lines: formatAmount(sum(view.statement.lines.map((l) => l.amount))),
      pool_costs: formatAmount(r.poolCosts),
      price_list_charges: formatAmount(r.priceListCharges),
      reconciled: view.reconciled,
    },
    closed: view.closed,
    adjusts: view.adjusts && {
      books_run: view.adjusts.booksRunId,
      adjustments: view.adjusts.adjustments.map((a) => ({ cost_centre: a.costCentre, amount: formatAmount(a.amount) })),
    },
    unpriced: view.unpriced,
    warnings: view.warnings,
  });
}

export const COMPUTE_VIEW: View<ComputeView> = { table: computeAsTable, json: computeAsJson };
