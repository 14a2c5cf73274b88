import { ZERO } from './drivers.js';
import { lineQuantity, UNTAGGED } from './breakdowns.js';
import { isUsageLine } from './lines.js';
import { describeIdentity, ownerOf } from './match.js';
import { sum, type Decimal } from './money.js';
import { compareIds } from './order.js';
import type { StoredPoolCost } from './run.js';
import type { Identity, Pool, RateCard, StatementLine, UsageGroup } from './types.js';

/** What lies behind a centre's quantity in a pool: its driver quantity by model, identity and day. */
export interface LineBreakdown {
  total: Decimal;
  byModel: [string, Decimal][];
  byIdentity: [string, Decimal][];
  byDay: [string, Decimal][];
  /** By the value of the tag named in `explainLines` (UNTAGGED without one); empty when none was named. */
  byTag: [string, Decimal][];
  /** A stored run's: by the value of each tag the card keeps (breakdowns.ts). */
  tags?: Record<string, [string, Decimal][]>;
}

export { UNTAGGED };

/**
 * The gateway usage behind a cost centre's line in each of `pools`, in the pool's driver
 * units (multipliers and weights applied), broken down three ways: by model and by day from
 * `days`, by user or key from `identities` (the same usage, split by identity instead of
 * day), read once for all the pools. Each breakdown adds up to `total`, the line's quantity
 * for event drivers. Null for pools without a single event driver (hybrid, charges, GPU).
 */
export function explainLines(
  card: RateCard,
  pools: readonly Pool[],
  centre: string,
  days: readonly { day: string; group: UsageGroup }[],
  identities: Iterable<{ identity: Identity; group: UsageGroup }>,
  tagName?: string,
): Map<Pool, LineBreakdown | null> {
  const explained = pools.flatMap((pool) => {
    const ofPool = lineQuantity(pool);
    if (!ofPool) return [];
    const quantity = (group: UsageGroup): Decimal | null => (ownerOf(group, card).id === centre ? ofPool(group) : null);
    return [{ pool, quantity, total: ZERO, byModel: new Map<string, Decimal>(), byIdentity: new Map<string, Decimal>(), byDay: new Map<string, Decimal>(), byTag: new Map<string, Decimal>() }];
  });
  const add = (map: Map<string, Decimal>, key: string, q: Decimal) => map.set(key, (map.get(key) ?? ZERO).plus(q));
  for (const { day, group } of days) {
    for (const line of explained) {
      const q = line.quantity(group);
      if (q === null) continue;
      line.total = line.total.plus(q);
      add(line.byModel, group.model ?? '(none)', q);
      add(line.byDay, day, q);
      if (tagName !== undefined) add(line.byTag, group.tags[tagName] ?? UNTAGGED, q);
    }
  }
  if (explained.length > 0) {
    for (const { identity, group } of identities) {
      for (const line of explained) {
        const q = line.quantity(group);
        if (q !== null) add(line.byIdentity, describeIdentity({ identity }), q);
      }
    }
  }
  const top = (map: Map<string, Decimal>) => [...map].sort((a, b) => b[1].comparedTo(a[1]) || compareIds(a[0], b[0]));
  const found = new Map<Pool, LineBreakdown | null>(pools.map((pool) => [pool, null]));
  for (const line of explained) {
    found.set(line.pool, { total: line.total, byModel: top(line.byModel), byIdentity: top(line.byIdentity), byDay: [...line.byDay].sort((a, b) => compareIds(a[0], b[0])), byTag: top(line.byTag) });
  }
  return found;
}

/** One line of a centre's bill with everything `explain` says about it. */
export interface ExplainedLine {
  line: StatementLine;
  /** The pool's cost and where it came from, as the run stored it. */
  poolCosts: readonly StoredPoolCost[];
  /** The driver quantity of every non-idle line of the pool, and this line's share of it in percent (2 places). */
  poolQuantity: Decimal | null;
  sharePct: Decimal | null;
  /** What lies behind the quantity, for pools with one event driver; null otherwise. */
  breakdown: LineBreakdown | null;
}

export interface CentreExplanation {
  costCentre: string;
  costCentreName: string;
  total: Decimal;
  lines: ExplainedLine[];
}

/**
 * A centre's bill in a run, line by line: each pool's cost source, the centre's quantity and
 * its share of the pool's, and the breakdown behind it. Null when the run has no line for it.
 */
export function explainCentre(
  run: { lines: readonly StatementLine[]; poolCosts: readonly StoredPoolCost[] },
  centre: string,
  breakdownOf: (line: StatementLine) => LineBreakdown | null,
): CentreExplanation | null {
  const lines = run.lines.filter((l) => l.costCentre === centre);
  if (lines.length === 0) return null;
  const explained = lines.map((line) => {
    const poolQuantity = line.quantity === null ? null
      : sum(run.lines.filter((l) => l.pool === line.pool && isUsageLine(l)).map((l) => l.quantity ?? ZERO));
    const sharePct = line.quantity === null || poolQuantity === null || poolQuantity.isZero() ? null
      : line.quantity.dividedBy(poolQuantity).times(100).toDecimalPlaces(2);
    return { line, poolCosts: run.poolCosts.filter((p) => p.pool === line.pool), poolQuantity, sharePct, breakdown: isUsageLine(line) ? breakdownOf(line) : null };
  });
  return { costCentre: centre, costCentreName: lines[0]!.costCentreName, total: sum(lines.map((l) => l.amount)), lines: explained };
}
