import { driverBase, ZERO } from './drivers.js';
import type { PoolUsage } from './methods/index.js';
import type { Decimal } from './money.js';
import type { Driver, Pool, UsageGroup } from './types.js';

export type Owners = ReadonlyMap<UsageGroup, { centre: string; matched: boolean }>;

/**
 * The view of a pool's usage its method works on: per-centre driver quantities (computed
 * once per driver) and the centres that used the pool. `charges` comes from the first phase.
 */
export function poolUsage(
  pool: Pool,
  served: readonly UsageGroup[],
  owners: Owners,
  charges: ReadonlyMap<string, Decimal> | null,
): PoolUsage {
  const cache = new Map<Driver, ReadonlyMap<string, Decimal>>();
  const ownerOf = (group: UsageGroup) => owners.get(group)?.centre;
  return {
    centres: new Set(served.map(ownerOf).filter((c): c is string => c !== undefined)),
    owned: () => served.flatMap((group) => { const centre = ownerOf(group); return centre === undefined ? [] : [{ group, centre }]; }),
    quantities(driver) {
      if (driver === 'charges') {
        if (!charges) throw new RangeError(`pool ${pool.id}: charges are not known yet`);
        return charges;
      }
      let quantities = cache.get(driver);
      if (!quantities) {
        const sums = new Map<string, Decimal>();
        for (const group of served) {
          const centre = ownerOf(group);
          if (centre === undefined) continue;
          const base = driverBase(group, driver, pool.weights, pool.tierMultipliers);
          sums.set(centre, (sums.get(centre) ?? ZERO).plus(base));
        }
        quantities = sums;
        cache.set(driver, quantities);
      }
      return quantities;
    },
  };
}
