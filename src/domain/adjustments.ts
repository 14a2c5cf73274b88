import { Decimal, sum } from './money.js';
import { compareIds } from './order.js';
import type { StatementLine } from './types.js';

/** A cost centre's change against the closed run: the recompute's total less the closed one. */
export interface Adjustment {
  costCentre: string;
  amount: Decimal;
}

/**
 * Per cost centre, what a recompute of a closed month changes (SPEC §5). Exact: the
 * adjustments add up to the difference of the two runs' totals, to the cent.
 */
export function adjustmentsAgainst(closed: readonly StatementLine[], recomputed: readonly StatementLine[]): Adjustment[] {
  const centres = [...new Set([...closed, ...recomputed].map((l) => l.costCentre))].sort(compareIds);
  const total = (lines: readonly StatementLine[], centre: string) => sum(lines.filter((l) => l.costCentre === centre).map((l) => l.amount));
  return centres
    .map((costCentre) => ({ costCentre, amount: total(recomputed, costCentre).minus(total(closed, costCentre)) }))
    .filter((a) => !a.amount.isZero());
}

export { Decimal };
