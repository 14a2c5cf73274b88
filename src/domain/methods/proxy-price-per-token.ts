import { driverDivisor, VOLUME_DRIVERS } from '../drivers.js';
import { readMeasure, type Decimal } from '../fields.js';
import { fromCents } from '../money.js';
import { displayQuantity, priceLine } from '../price.js';
import { roundedParts, shown } from '../parts.js';
import { driverOf, type AllocationMethod } from './method.js';

interface Params {
  capacity: Decimal;
}

/**
 * `proxy-price-per-token`: unit price p = C / capacity; each centre pays
 * round_half_up(q_c × C / capacity), multiplied before dividing. What capacity was not used
 * is the pool's idle, settled afterwards.
 */
export const proxyPricePerToken: AllocationMethod<Params> = {
  name: 'proxy-price-per-token',
  kind: 'price',
  drivers: VOLUME_DRIVERS,
  needsCost: true,
  keys: ['capacity', 'idle'],
  parse(raw, path, issues) {
    if (raw.capacity === undefined) {
      issues.add([...path, 'capacity'], 'proxy-price-per-token needs "capacity": the driver units the cost buys in a month');
      return null;
    }
    const capacity = readMeasure(raw.capacity, [...path, 'capacity'], issues, true);
    return capacity ? { capacity } : null;
  },
  driversUsed: (pool) => [driverOf(pool)],
  charge({ pool, costCents, usage }, { capacity }) {
    const driver = driverOf(pool);
    const divisor = driverDivisor(driver);
    const cost = fromCents(costCents ?? 0n);
    const unitPrice = cost.dividedBy(capacity);
    const charges = [...usage.quantities(driver)].map(([costCentre, base]) => {
      const quantity = displayQuantity(base, divisor);
      const amount = priceLine(base.times(cost), capacity.times(divisor));
      const what = `${shown(quantity)} ${driver} × ${shown(unitPrice)} per unit (C ${cost.toFixed(2)} ÷ capacity ${shown(capacity)})`;
      return { costCentre, kind: 'usage' as const, quantity, unitPrice, amount, parts: roundedParts(what, base.times(cost).dividedBy(capacity.times(divisor)), amount) };
    });
    return { charges, warnings: [] };
  },
};
