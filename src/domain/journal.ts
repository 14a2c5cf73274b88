import { ReconciliationError } from './errors.js';
import { Decimal, sum } from './money.js';
import { parseMonth, nextMonth } from './month.js';
import { compareIds } from './order.js';
import type { Platform, StatementLine } from './types.js';

/** One journal line (SPEC §7); exactly one of debit and credit is non-zero. */
export interface JournalLine {
  postingDate: string;
  document: string;
  glAccount: string;
  costCentre: string;
  debit: Decimal;
  credit: Decimal;
  memo: string;
}

const ZERO = new Decimal(0);

/**
 * The ERP journal of a statement run (SPEC §7): per charged (centre, pool) a debit (a negative
 * amount, a credit), then per pool one line to the platform cost centre that balances it.
 * Posted on the month's last day; the document is the run. Throws ReconciliationError unless
 * Σ debit = Σ credit to the cent.
 */
export function journalOf(month: string, runId: number, lines: readonly StatementLine[], platform: Platform): JournalLine[] {
  const postingDate = lastDay(month);
  const document = `chargeback-run-${runId}`;
  const line = (costCentre: string, amount: Decimal, memo: string): JournalLine => ({
    postingDate, document, glAccount: platform.glAccount, costCentre,
    debit: amount.isPositive() ? amount : ZERO, credit: amount.isNegative() ? amount.abs() : ZERO, memo,
  });
  const journal: JournalLine[] = [];
  const pools = [...new Set(lines.map((l) => l.pool))].sort(compareIds);
  for (const pool of pools) {
    const poolLines = lines.filter((l) => l.pool === pool && !l.amount.isZero());
    for (const l of poolLines) {
      journal.push(line(l.costCentre, l.amount, `${l.costCentreName || l.costCentre}: ${pool} ${l.method} ${month}`));
    }
    const total = sum(poolLines.map((l) => l.amount));
    if (!total.isZero()) journal.push(line(platform.costCentre, total.negated(), `${pool} recovered ${month}`));
  }
  const debits = sum(journal.map((j) => j.debit));
  const credits = sum(journal.map((j) => j.credit));
  if (!debits.equals(credits)) {
    throw new ReconciliationError(`the journal of run ${runId} does not balance: debits ${debits.toFixed(2)}, credits ${credits.toFixed(2)}`);
  }
  return journal;
}

function lastDay(label: string): string {
  const month = parseMonth(label);
  if (!month) throw new RangeError(`not a month: ${label}`);
  const next = nextMonth(month);
  return new Date(Date.UTC(next.year, next.month - 1, 1) - 86_400_000).toISOString().slice(0, 10);
}
