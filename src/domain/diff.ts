import { Decimal, sum } from './money.js';
import { compareIds } from './order.js';
import type { StatementLine } from './types.js';

/** One cost centre in a what-if: what the run charged, what the other card would, and the change. */
export interface CentreDiff {
  costCentre: string;
  before: Decimal;
  after: Decimal;
  change: Decimal;
}

/** A what-if across every centre either side charges, with the totals of both sides. */
export interface StatementDiff {
  centres: CentreDiff[];
  total: { before: Decimal; after: Decimal; change: Decimal };
}

/**
 * Per cost centre, `after` less `before`, in centre order; a centre only one side charges
 * counts as zero on the other. The changes add up to the change of the totals, exactly.
 */
export function diffByCentre(before: readonly StatementLine[], after: readonly StatementLine[]): StatementDiff {
  const totalOf = (lines: readonly StatementLine[], id: string) => sum(lines.filter((l) => l.costCentre === id).map((l) => l.amount));
  const ids = [...new Set([...before, ...after].map((l) => l.costCentre))].sort(compareIds);
  const centres = ids.map((costCentre) => {
    const b = totalOf(before, costCentre);
    const a = totalOf(after, costCentre);
    return { costCentre, before: b, after: a, change: a.minus(b) };
  });
  const b = sum(before.map((l) => l.amount));
  const a = sum(after.map((l) => l.amount));
  return { centres, total: { before: b, after: a, change: a.minus(b) } };
}

export { Decimal };
