import { ReconciliationError } from './errors.js';
import { Decimal, sum } from './money.js';
import { parseMonth, nextMonth } from './month.js';
import { compareIds } from './order.js';
import type { Platform } from './types.js';

/** One journal line (SPEC §7); exactly one of debit and credit is non-zero. */
export interface JournalLine {
  postingDate: string;
  document: string;
  glAccount: string;
  costCentre: string;
  /** The pool the line posts; not a column of the CSV (the memo names it), kept for checks. */
  pool: string;
  debit: Decimal;
  credit: Decimal;
  memo: string;
  /** The line that balances its pool's charges, to the platform cost centre. */
  recovery: boolean;
}

/** What a journal posts per (centre, pool): a statement line, or an adjustment's difference. */
export interface JournalEntry {
  costCentre: string;
  costCentreName: string;
  pool: string;
  /** How the memo names the charge: the method, or "adjustment to run N". */
  method: string;
  amount: Decimal;
}

/** The journal's document: its id, the month it charges and the day it is posted on. */
export interface JournalDocument {
  document: string;
  month: string;
  postingDate: string;
}

const ZERO = new Decimal(0);

/**
 * A balanced ERP journal (SPEC §7): per charged (centre, pool) a debit (a negative amount,
 * a credit), then per pool one line to the platform cost centre that balances it. Throws
 * ReconciliationError unless Σ debit = Σ credit to the cent.
 */
export function journalOf(heading: JournalDocument, entries: readonly JournalEntry[], platform: Platform): JournalLine[] {
  const { document, month, postingDate } = heading;
  const line = (costCentre: string, pool: string, amount: Decimal, memo: string, recovery = false): JournalLine => ({
    postingDate, document, glAccount: platform.glAccount, costCentre, pool,
    debit: amount.isPositive() ? amount : ZERO, credit: amount.isNegative() ? amount.abs() : ZERO, memo, recovery,
  });
  const journal: JournalLine[] = [];
  const pools = [...new Set(entries.map((l) => l.pool))].sort(compareIds);
  for (const pool of pools) {
    const poolEntries = entries.filter((l) => l.pool === pool && !l.amount.isZero());
    for (const l of poolEntries) {
      journal.push(line(l.costCentre, pool, l.amount, `${l.costCentreName || l.costCentre}: ${pool} ${l.method} ${month}`));
    }
    const total = sum(poolEntries.map((l) => l.amount));
    if (!total.isZero()) journal.push(line(platform.costCentre, pool, total.negated(), `${pool} recovered ${month}`, true));
  }
  const debits = sum(journal.map((j) => j.debit));
  const credits = sum(journal.map((j) => j.credit));
  if (!debits.equals(credits)) {
    throw new ReconciliationError(`journal ${document} does not balance: debits ${debits.toFixed(2)}, credits ${credits.toFixed(2)}`);
  }
  return journal;
}

/** The last day of a month (YYYY-MM), the day its journal is posted on. */
export function lastDayOf(label: string): string {
  const month = parseMonth(label);
  if (!month) throw new RangeError(`not a month: ${label}`);
  const next = nextMonth(month);
  return new Date(Date.UTC(next.year, next.month - 1, 1) - 86_400_000).toISOString().slice(0, 10);
}
