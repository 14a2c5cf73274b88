import { Decimal, sum } from './money.js';
import { compareIds } from './order.js';
import type { StatementLine } from './types.js';

/** What a later run changes in one (cost centre, pool) against the books so far. */
export interface AdjustmentLine {
  costCentre: string;
  costCentreName: string;
  pool: string;
  amount: Decimal;
}

/** A cost centre's change against another run: the later total less the earlier one. */
export interface Adjustment {
  costCentre: string;
  amount: Decimal;
}

const pairKey = (centre: string, pool: string) => `${centre}\u0000${pool}`;

/**
 * Per (cost centre, pool), the later run less the books so far (SPEC §5), sorted by centre
 * then pool, zero differences left out. A centre's own row and its idle row in one pool
 * are one difference: the ERP posts a centre's charge per pool. Exact, so the books plus
 * every adjustment equal the latest run to the cent.
 */
export function adjustmentLines(books: readonly StatementLine[], later: readonly StatementLine[]): AdjustmentLine[] {
  const pairs = new Map<string, AdjustmentLine>();
  const add = (line: StatementLine, sign: 1 | -1) => {
    const key = pairKey(line.costCentre, line.pool);
    const pair = pairs.get(key) ?? { costCentre: line.costCentre, costCentreName: '', pool: line.pool, amount: new Decimal(0) };
    // The later run's name wins: a renamed centre is posted under its current name.
    if (sign === 1 || pair.costCentreName === '') pair.costCentreName = line.costCentreName;
    pair.amount = pair.amount.plus(sign === 1 ? line.amount : line.amount.negated());
    pairs.set(key, pair);
  };
  for (const line of books) add(line, -1);
  for (const line of later) add(line, 1);
  return [...pairs.values()]
    .filter((a) => !a.amount.isZero())
    .sort((a, b) => compareIds(a.costCentre, b.costCentre) || compareIds(a.pool, b.pool));
}

/** Per cost centre, what a later run changes against an earlier one; exact to the cent. */
export function adjustmentsAgainst(earlier: readonly StatementLine[], later: readonly StatementLine[]): Adjustment[] {
  const lines = adjustmentLines(earlier, later);
  const centres = [...new Set(lines.map((l) => l.costCentre))];
  return centres
    .map((costCentre) => ({ costCentre, amount: sum(lines.filter((l) => l.costCentre === costCentre).map((l) => l.amount)) }))
    .filter((a) => !a.amount.isZero());
}

export { Decimal };
