import { driverDivisor, GPU_DRIVERS } from '../drivers.js';
import { readMeasure, readPrice, type Decimal } from '../fields.js';
import { fromCents } from '../money.js';
import { displayQuantity, priceLine } from '../price.js';
import { roundedParts, shown } from '../parts.js';
import { driverOf, type AllocationMethod } from './method.js';

type Params = { rate: Decimal } | { capacity: Decimal };

/**
 * `time-based`: hours by the driver at `rate`, or at C / capacity (GPU-hours) when no rate
 * is given; each line round_half_up(q × rate). With a cost, idle = C − Σ charges.
 */
export const timeBased: AllocationMethod<Params> = {
  name: 'time-based',
  kind: 'price',
  drivers: GPU_DRIVERS,
  needsCost: false,
  keys: ['rate', 'capacity', 'idle'],
  parse(raw, path, issues, { hasCost }) {
    if (raw.rate !== undefined) {
      const rate = readPrice(raw.rate, [...path, 'rate'], issues);
      return rate ? { rate } : null;
    }
    if (!hasCost || raw.capacity === undefined) {
      issues.add([...path, 'rate'], 'time-based needs a "rate", or a "cost" and a "capacity" to derive it from');
      return null;
    }
    const capacity = readMeasure(raw.capacity, [...path, 'capacity'], issues, true);
    return capacity ? { capacity } : null;
  },
  driversUsed: (pool) => [driverOf(pool)],
  charge({ pool, costCents, usage }, params) {
    const driver = driverOf(pool);
    const divisor = driverDivisor(driver);
    const [numerator, denominator] =
      'rate' in params ? [params.rate, divisor] : [fromCents(costCents ?? 0n), params.capacity.times(divisor)];
    const unitPrice = 'rate' in params ? params.rate : fromCents(costCents ?? 0n).dividedBy(params.capacity);
    const source = 'rate' in params ? 'the rate' : `C ${fromCents(costCents ?? 0n).toFixed(2)} ÷ capacity ${shown(params.capacity)}`;
    const charges = [...usage.quantities(driver)].map(([costCentre, base]) => {
      const quantity = displayQuantity(base, divisor);
      const amount = priceLine(base.times(numerator), denominator);
      const what = `${shown(quantity)} ${driver} × ${shown(unitPrice)} per unit (${source})`;
      return { costCentre, kind: 'usage' as const, quantity, unitPrice, amount, parts: roundedParts(what, base.times(numerator).dividedBy(denominator), amount) };
    });
    return { charges, warnings: [] };
  },
};
