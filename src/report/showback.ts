import { Chalk } from 'chalk';
import { formatAmount, sum, type Decimal } from '../domain/money.js';
import { centresInOrder } from '../domain/order.js';
import { grouped, optionalQuantity, printable } from './cells.js';
import type { StatementView } from './statement-view.js';
import { fitTable, type Cell, type Column, type Look } from './table.js';

/**
 * The showback columns; a narrow terminal loses the driver first (a quantity without its unit
 * misleads, so the quantity next), then the name and the method, which marks idle lines.
 * Centre, pool and amount always stay; `explain` has the rest.
 */
const columns = (currency: string): Column[] => [
  { head: 'cost centre', shrink: true },
  // A narrow terminal loses the driver, the quantity and the method before the centre's name;
  // the pool is never cut (issue 28): it says which line a figure is.
  { head: 'name', drop: 4, shrink: true },
  { head: 'pool' },
  { head: 'method', drop: 3 },
  { head: 'driver', drop: 1 },
  { head: 'quantity', align: 'right', drop: 2 },
  { head: `amount (${currency})`, align: 'right' },
];

/**
 * The terminal showback table: per cost centre its pool lines and total, the unallocated
 * centre (and idle lines) last, then the grand total and, when the view carries the run's
 * reconciliation, the footer that proves Σ lines = Σ pool costs + price-list charges.
 */
export function statementAsTable(view: StatementView, look: Look): string {
  const chalk = new Chalk({ level: look.colour ? 1 : 0 });
  const bold = (text: string): Cell => ({ text, style: 'bold' });
  const rows: Cell[][] = [];
  for (const centre of centresInOrder(view.lines, view.unallocated)) {
    const lines = view.lines.filter((l) => l.costCentre === centre);
    for (const line of lines) {
      rows.push([printable(line.costCentre), printable(line.costCentreName), printable(line.pool),
        line.method === 'idle' ? { text: 'idle', style: 'yellow' } : line.method, line.driver,
        grouped(optionalQuantity(line.quantity)), grouped(formatAmount(line.amount))]);
    }
    rows.push([bold(printable(centre)), '', bold('total'), '', '', '', bold(grouped(formatAmount(sum(lines.map((l) => l.amount)))))]);
  }
  const grand = sum(view.lines.map((l) => l.amount));
  rows.push([bold('all'), '', bold('total'), '', '', '', bold(grouped(formatAmount(grand)))]);
  const heading = `Showback ${view.month} (${view.runId === null ? 'dry run: nothing stored' : `run ${view.runId}`})`;
  return [chalk.bold(heading), fitTable({ columns: columns(view.currency), rows }, look), ...reconciliationFooter(grand, view, chalk)].join('\n') + '\n';
}

function reconciliationFooter(grand: Decimal, view: StatementView, chalk: InstanceType<typeof Chalk>): string[] {
  const r = view.reconciliation;
  if (!r) return [];
  const expected = r.poolCosts.plus(r.priceListCharges);
  const ok = expected.equals(grand);
  const verdict = ok ? chalk.green('reconciled') : chalk.red(`NOT reconciled: off by ${formatAmount(grand.minus(expected))}`);
  return [
    `Σ lines ${grouped(formatAmount(grand))} = Σ pool costs ${grouped(formatAmount(r.poolCosts))} + ` +
      `price-list charges ${grouped(formatAmount(r.priceListCharges))}: ${verdict}`,
  ];
}
