import { driverBase, driverDivisor, ZERO } from './drivers.js';
import { describeIdentity, filterTakes, ownerOf } from './match.js';
import type { Decimal } from './money.js';
import type { Driver, Identity, Pool, RateCard, UsageGroup } from './types.js';

/** What lies behind a centre's quantity in a pool: its driver quantity by model, identity and day. */
export interface LineBreakdown {
  total: Decimal;
  byModel: [string, Decimal][];
  byIdentity: [string, Decimal][];
  byDay: [string, Decimal][];
}

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
): Map<Pool, LineBreakdown | null> {
  const explained = pools.flatMap((pool) => {
    const driver = pool.driver;
    if (!driver || driver === 'charges' || driver.startsWith('gpu_')) return [];
    const divisor = driverDivisor(driver);
    const quantity = (group: UsageGroup): Decimal | null => {
      if (!filterTakes(pool.usage, group) || ownerOf(group, card).id !== centre) return null;
      const q = driverBase(group, driver as Exclude<Driver, 'charges'>, pool.weights, pool.tierMultipliers).dividedBy(divisor);
      return q.isZero() ? null : q;
    };
    return [{ pool, quantity, total: ZERO, byModel: new Map<string, Decimal>(), byIdentity: new Map<string, Decimal>(), byDay: new Map<string, Decimal>() }];
  });
  const add = (map: Map<string, Decimal>, key: string, q: Decimal) => map.set(key, (map.get(key) ?? ZERO).plus(q));
  for (const { day, group } of days) {
    for (const line of explained) {
      const q = line.quantity(group);
      if (q === null) continue;
      line.total = line.total.plus(q);
      add(line.byModel, group.model ?? '(none)', q);
      add(line.byDay, day, q);
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
  const top = (map: Map<string, Decimal>) => [...map].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1));
  const found = new Map<Pool, LineBreakdown | null>(pools.map((pool) => [pool, null]));
  for (const line of explained) {
    found.set(line.pool, { total: line.total, byModel: top(line.byModel), byIdentity: top(line.byIdentity), byDay: [...line.byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1)) });
  }
  return found;
}
