import { driverBase, driverDivisor, ZERO } from './drivers.js';
import { describeIdentity, filterTakes, matchCostCentre } from './match.js';
import type { Decimal } from './money.js';
import type { Driver, Pool, RateCard, UsageGroup } from './types.js';

/** What lies behind a centre's quantity in a pool: its driver quantity by model, identity and day. */
export interface LineBreakdown {
  total: Decimal;
  byModel: [string, Decimal][];
  byIdentity: [string, Decimal][];
  byDay: [string, Decimal][];
}

/**
 * The gateway usage behind a cost centre's line in a pool, in the driver's units (multipliers
 * and weights applied), broken down three ways; each breakdown adds up to `total`, the line's
 * quantity for event drivers. Null for pools without a single event driver (hybrid, charges, GPU).
 */
export function explainLine(card: RateCard, pool: Pool, centre: string, days: readonly { day: string; group: UsageGroup }[]): LineBreakdown | null {
  const driver = pool.driver;
  if (!driver || driver === 'charges' || driver.startsWith('gpu_')) return null;
  const divisor = driverDivisor(driver);
  const byModel = new Map<string, Decimal>();
  const byIdentity = new Map<string, Decimal>();
  const byDay = new Map<string, Decimal>();
  let total = ZERO;
  for (const { day, group } of days) {
    if (!filterTakes(pool.usage, group)) continue;
    if ((matchCostCentre(group, card.costCentres)?.id ?? card.unallocated) !== centre) continue;
    const q = driverBase(group, driver as Exclude<Driver, 'charges'>, pool.weights, pool.tierMultipliers).dividedBy(divisor);
    if (q.isZero()) continue;
    total = total.plus(q);
    const add = (map: Map<string, Decimal>, key: string) => map.set(key, (map.get(key) ?? ZERO).plus(q));
    add(byModel, group.model ?? '(none)');
    add(byIdentity, describeIdentity(group));
    add(byDay, day);
  }
  const top = (map: Map<string, Decimal>) => [...map].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1));
  return { total, byModel: top(byModel), byIdentity: top(byIdentity), byDay: [...byDay].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
}
