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
 * The gateway usage behind a cost centre's line in a pool, in the driver's units (multipliers
 * and weights applied), broken down three ways: by model and by day from `days`, by user or
 * key from `identities` (the same usage, split by identity instead of day). Each breakdown
 * adds up to `total`, the line's quantity for event drivers. Null for pools without a single
 * event driver (hybrid, charges, GPU).
 */
export function explainLine(
  card: RateCard,
  pool: Pool,
  centre: string,
  days: readonly { day: string; group: UsageGroup }[],
  identities: readonly { identity: Identity; group: UsageGroup }[],
): LineBreakdown | null {
  const driver = pool.driver;
  if (!driver || driver === 'charges' || driver.startsWith('gpu_')) return null;
  const divisor = driverDivisor(driver);
  const quantity = (group: UsageGroup): Decimal | null => {
    if (!filterTakes(pool.usage, group) || ownerOf(group, card).id !== centre) return null;
    const q = driverBase(group, driver as Exclude<Driver, 'charges'>, pool.weights, pool.tierMultipliers).dividedBy(divisor);
    return q.isZero() ? null : q;
  };
  const byModel = new Map<string, Decimal>();
  const byIdentity = new Map<string, Decimal>();
  const byDay = new Map<string, Decimal>();
  const add = (map: Map<string, Decimal>, key: string, q: Decimal) => map.set(key, (map.get(key) ?? ZERO).plus(q));
  let total = ZERO;
  for (const { day, group } of days) {
    const q = quantity(group);
    if (q === null) continue;
    total = total.plus(q);
    add(byModel, group.model ?? '(none)', q);
    add(byDay, day, q);
  }
  for (const { identity, group } of identities) {
    const q = quantity(group);
    if (q !== null) add(byIdentity, describeIdentity({ identity }), q);
  }
  const top = (map: Map<string, Decimal>) => [...map].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1));
  return { total, byModel: top(byModel), byIdentity: top(byIdentity), byDay: [...byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
}
