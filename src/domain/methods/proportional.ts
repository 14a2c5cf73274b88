import { allocate } from '../allocate.js';
import { fromCents } from '../money.js';
import { DRIVERS } from '../types.js';
import type { AllocationMethod, PoolCharge } from './method.js';

/**
 * `proportional`: split `C` by q_c / Q with the largest-remainder method; with Q = 0 the
 * whole of `C` is one idle line of the unallocated centre, with a warning (SPEC §4.2, §8.9).
 * The pool's charges always add up to `C` exactly.
 */
export const proportional: AllocationMethod<null> = {
  name: 'proportional',
  drivers: DRIVERS,
  needsCost: true,
  keys: [],
  parse: () => null,
  charge({ pool, costCents, quantities, unallocated }) {
    const total = costCents ?? 0n;
    const weights = [...quantities].map(([id, weight]) => ({ id, weight }));
    const shares = allocate(total, weights);
    if (shares === null) {
      const idle: PoolCharge = { costCentre: unallocated, kind: 'idle', quantity: null, unitPrice: null, amount: fromCents(total) };
      return {
        charges: total === 0n ? [] : [idle],
        warnings: [`pool ${pool.id}: no usage in the month for driver ${pool.driver}; its cost goes to ${unallocated}`],
      };
    }
    const charges = weights.map(({ id, weight }): PoolCharge => ({
      costCentre: id,
      kind: 'usage',
      quantity: weight,
      unitPrice: null,
      amount: fromCents(shares.get(id) ?? 0n),
    }));
    return { charges, warnings: [] };
  },
};
