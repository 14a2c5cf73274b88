import { allocate } from '../allocate.js';
import { driverDivisor } from '../drivers.js';
import { fromCents } from '../money.js';
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
      const idle: PoolCharge = { costCentre: unallocated, kind: 'idle', quantity: null, unitPrice: null, amount: fromCents(total) };
      return {
        charges: total === 0n ? [] : [idle],
        warnings: [`pool ${pool.id}: no usage in the month for driver ${driver}; its cost goes to ${unallocated}`],
      };
    }
    const divisor = driverDivisor(driver);
    const charges = weights.map(({ id, weight }): PoolCharge => ({
      costCentre: id,
      kind: 'usage',
      quantity: displayQuantity(weight, divisor),
      unitPrice: null,
      amount: fromCents(shares.get(id) ?? 0n),
    }));
    return { charges, warnings: [] };
  },
};
