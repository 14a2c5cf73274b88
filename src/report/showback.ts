import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { formatAmount, sum, type Decimal } from '../domain/money.js';
import type { StatementLine } from '../domain/types.js';
import { grouped, optionalQuantity, printable } from './cells.js';
import type { StatementView } from './statement.js';

/** No rule between rows: a statement reads as a list, totals stand out by weight. */
export const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };

export interface ShowbackOptions {
  colour: boolean;
  unallocated: string;
  /** When given, a footer shows Σ lines against Σ pool costs + price-list charges. */
  reconciliation?: { poolCosts: Decimal; priceListCharges: Decimal };
}

/**
 * The terminal showback table: per cost centre its pool lines and total, the unallocated
 * centre (and idle lines) last, then the grand total and the reconciliation footer.
 */
export function statementAsTable(view: StatementView, options: ShowbackOptions): string {
  const chalk = new Chalk({ level: options.colour ? 1 : 0 });
  const table = new Table({
    head: ['cost centre', 'name', 'pool', 'method', 'driver', 'quantity', `amount (${view.currency})`],
    colAligns: ['left', 'left', 'left', 'left', 'left', 'right', 'right'],
    style: { head: options.colour ? ['cyan'] : [], border: [] },
    chars: COMPACT,
  });
  const centres = orderCentres(view.lines, options.unallocated);
  for (const centre of centres) {
    const lines = view.lines.filter((l) => l.costCentre === centre);
    for (const line of lines) {
      const method = line.method === 'idle' ? chalk.yellow('idle') : line.method;
      table.push([printable(line.costCentre), printable(line.costCentreName), printable(line.pool), method, line.driver,
        grouped(optionalQuantity(line.quantity)), grouped(formatAmount(line.amount))]);
    }
    const total = sum(lines.map((l) => l.amount));
    table.push([chalk.bold(printable(centre)), '', chalk.bold('total'), '', '', '', chalk.bold(grouped(formatAmount(total)))]);
  }
  const grand = sum(view.lines.map((l) => l.amount));
  table.push([chalk.bold('all'), '', chalk.bold('total'), '', '', '', chalk.bold(grouped(formatAmount(grand)))]);
  const heading = `Showback ${view.month} (run ${view.runId})`;
  return [chalk.bold(heading), table.toString(), ...reconciliationFooter(grand, options, chalk)].join('\n') + '\n';
}

function orderCentres(lines: readonly StatementLine[], unallocated: string): string[] {
  const ids = [...new Set(lines.map((l) => l.costCentre))];
  return [...ids.filter((id) => id !== unallocated), ...ids.filter((id) => id === unallocated)];
}

function reconciliationFooter(grand: Decimal, options: ShowbackOptions, chalk: InstanceType<typeof Chalk>): string[] {
  const r = options.reconciliation;
  if (!r) return [];
  const expected = r.poolCosts.plus(r.priceListCharges);
  const ok = expected.equals(grand);
  const verdict = ok ? chalk.green('reconciled') : chalk.red(`NOT reconciled: off by ${formatAmount(grand.minus(expected))}`);
  return [
    `Σ lines ${grouped(formatAmount(grand))} = Σ pool costs ${grouped(formatAmount(r.poolCosts))} + ` +
      `price-list charges ${grouped(formatAmount(r.priceListCharges))}: ${verdict}`,
  ];
}
