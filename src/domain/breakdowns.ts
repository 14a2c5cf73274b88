import { driverBase, driverDivisor, ZERO } from './drivers.js';
import type { LineBreakdown } from './explain.js';
import { describeIdentity, filterTakes, ownerOf } from './match.js';
import type { Decimal } from './money.js';
import { compareIds } from './order.js';
import type { Driver, Identity, Pool, RateCard, UsageGroup } from './types.js';

/**
 * What lies behind every usage line of a month, worked out once by `compute` and stored with
 * the run (issue 30), so that a run's drill-down is its books by construction: per centre and
 * event-driven pool, the driver quantity by model, by UTC day, by each tag the card keeps,
 * and by identity (user or key). Identities are the long tail: the largest TOP_IDENTITIES are
 * kept and the rest summed, exactly, into one "others" entry that says how many it holds, so a
 * run's size is bounded whatever the month's number of users.
 */
export const TOP_IDENTITIES = 100;

/** The key of usage that does not carry the tag a breakdown is by. */
export const UNTAGGED = '(untagged)';

/** A line's key in the breakdowns: its centre and pool. */
export const lineKey = (centre: string, pool: string) => `${centre}\u0000${pool}`;

/** How a breakdown names the identities past the top ones. */
export const othersKey = (count: number) => `(${count} other${count === 1 ? '' : 's'})`;

/** A pool's driver quantity of a group its filter takes, in the pool's units; null for none (or a pool without one event driver). */
export function lineQuantity(pool: Pool): ((group: UsageGroup) => Decimal | null) | null {
  const driver = pool.driver;
  if (!driver || driver === 'charges' || driver.startsWith('gpu_')) return null;
  const divisor = driverDivisor(driver);
  return (group) => {
    if (!filterTakes(pool.usage, group)) return null;
    const q = driverBase(group, driver as Exclude<Driver, 'charges'>, pool.weights, pool.tierMultipliers).dividedBy(divisor);
    return q.isZero() ? null : q;
  };
}

interface Accumulating {
  total: Decimal;
  byModel: Map<string, Decimal>;
  byDay: Map<string, Decimal>;
  byTag: Map<string, Map<string, Decimal>>;
  top: [string, Decimal][];
  others: { count: number; quantity: Decimal };
}

/**
 * Every line's breakdown from the month's usage per class and day (`days`) and per class and
 * identity (`identities`, which must come grouped by identity: each identity's rows one after
 * another, so it is summed whole before it is ranked and memory stays bounded).
 */
export function lineBreakdowns(
  card: RateCard,
  days: Iterable<{ day: string; group: UsageGroup }>,
  identities: Iterable<{ identity: Identity; group: UsageGroup }>,
): Map<string, LineBreakdown> {
  const pools = card.pools.flatMap((pool) => {
    const quantity = lineQuantity(pool);
    return quantity ? [{ pool, quantity }] : [];
  });
  const lines = new Map<string, Accumulating>();
  const lineOf = (key: string) => {
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { total: ZERO, byModel: new Map(), byDay: new Map(), byTag: new Map(), top: [], others: { count: 0, quantity: ZERO } }));
    return line;
  };
  const add = (map: Map<string, Decimal>, key: string, q: Decimal) => map.set(key, (map.get(key) ?? ZERO).plus(q));
  for (const { day, group } of days) {
    const centre = ownerOf(group, card).id;
    for (const { pool, quantity } of pools) {
      const q = quantity(group);
      if (q === null) continue;
      const line = lineOf(lineKey(centre, pool.id));
      line.total = line.total.plus(q);
      add(line.byModel, group.model ?? '(none)', q);
      add(line.byDay, day, q);
      for (const [tag, value] of Object.entries(group.tags)) {
        let values = line.byTag.get(tag);
        if (!values) line.byTag.set(tag, (values = new Map()));
        add(values, value, q);
      }
    }
  }
  // An identity is ranked once all its rows are summed; the ranking keeps at most twice the
  // top between trims, and what a trim drops is never among the top (it is below that many).
  let current: string | null = null;
  let sums = new Map<string, Decimal>();
  const flush = () => {
    for (const [key, q] of sums) {
      const line = lineOf(key);
      line.top.push([current!, q]);
      if (line.top.length >= 2 * TOP_IDENTITIES) trim(line);
    }
    sums = new Map();
  };
  for (const { identity, group } of identities) {
    const name = describeIdentity({ identity });
    if (name !== current) {
      if (current !== null) flush();
      current = name;
    }
    const centre = ownerOf(group, card).id;
    for (const { pool, quantity } of pools) {
      const q = quantity(group);
      if (q !== null) add(sums, lineKey(centre, pool.id), q);
    }
  }
  if (current !== null) flush();
  const found = new Map<string, LineBreakdown>();
  for (const [key, line] of lines) {
    trim(line);
    const byIdentity = line.others.count > 0 ? [...line.top, [othersKey(line.others.count), line.others.quantity] as [string, Decimal]] : line.top;
    const byTag = [...line.byTag].sort(([a], [b]) => compareIds(a, b)).map(([tag, values]) => [tag, ranked(values)] as [string, [string, Decimal][]]);
    found.set(key, { total: line.total, byModel: ranked(line.byModel), byIdentity, byDay: [...line.byDay].sort((a, b) => compareIds(a[0], b[0])), byTag: [], tags: Object.fromEntries(byTag) });
  }
  return found;
}

/** Largest first, then by key: one order whatever the order the keys came in. */
const byQuantity = (a: [string, Decimal], b: [string, Decimal]) => b[1].comparedTo(a[1]) || compareIds(a[0], b[0]);
const ranked = (map: Map<string, Decimal>): [string, Decimal][] => [...map].sort(byQuantity);

function trim(line: Accumulating): void {
  line.top.sort(byQuantity);
  for (const [, q] of line.top.splice(TOP_IDENTITIES)) {
    line.others.count++;
    line.others.quantity = line.others.quantity.plus(q);
  }
}

/**
 * A stored breakdown with `byTag` by `tag`'s values, as the views read it: the values the run
 * kept, and what carries none of them as UNTAGGED (the line's total less theirs).
 */
export function withTag(breakdown: LineBreakdown, tag: string): LineBreakdown {
  const values = breakdown.tags?.[tag] ?? [];
  const untagged = values.reduce((left, [, q]) => left.minus(q), breakdown.total);
  return { ...breakdown, byTag: (untagged.isZero() ? [...values] : [...values, [UNTAGGED, untagged] as [string, Decimal]]).sort(byQuantity) };
}
