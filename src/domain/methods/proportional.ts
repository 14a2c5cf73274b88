import { allocate } from '../allocate.js';
import { driverDivisor } from '../drivers.js';
import { Decimal as D, fromCents } from '../money.js';
import { roundedParts, shown } from '../parts.js';
import { displayQuantity } from '../price.js';
import { DRIVERS } from '../types.js';
import { driverOf, type AllocationMethod, type PoolCharge } from './method.js';

/**
 * `proportional`: split `C` by q_c / Q with the largest-remainder method; with Q = 0 the
 * whole of `C` is one idle line of the unallocated centre, with a warning (SPEC §4.2, §8.9).
 * The pool's charges always add up to `C` exactly.
 */
export const proportional: AllocationMethod<null> = {
  name: 'proportional',
  kind: 'split',
  drivers: DRIVERS,
  needsCost: true,
  keys: [],
  parse: () => null,
  driversUsed: (pool) => [driverOf(pool)],
  charge({ pool, costCents, usage, unallocated }) {
    const driver = driverOf(pool);
    const total = costCents ?? 0n;
    const weights = [...usage.quantities(driver)].map(([id, weight]) => ({ id, weight }));
    const shares = allocate(total, weights);
    if (shares === null) {
      const idle: PoolCharge = { costCentre: unallocated, kind: 'idle', quantity: null, unitPrice: null, amount: fromCents(total),
        parts: [{ what: `no ${driver} in the month: the pool's whole cost C`, amount: fromCents(total) }] };
      return {
        charges: total === 0n ? [] : [idle],
        warnings: [`pool ${pool.id}: no usage in the month for driver ${driver}; its cost goes to ${unallocated}`],
      };
    }
    const divisor = driverDivisor(driver);
    const poolTotal = weights.reduce((s, w) => s.plus(w.weight), new D(0));
    const cost = fromCents(total);
    const charges = weights.map(({ id, weight }): PoolCharge => {
      const amount = fromCents(shares.get(id) ?? 0n);
      const what = `C ${cost.toFixed(2)} × ${shown(displayQuantity(weight, divisor))} of the pool's ${shown(displayQuantity(poolTotal, divisor))} ${driver}`;
      return { costCentre: id, kind: 'usage', quantity: displayQuantity(weight, divisor), unitPrice: null, amount,
        parts: roundedParts(what, cost.times(weight).dividedBy(poolTotal), amount, 'largest-remainder rounding to the cent') };
    });
    return { charges, warnings: [] };
  },
};
