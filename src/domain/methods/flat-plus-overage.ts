import { driverDivisor, VOLUME_DRIVERS, ZERO } from '../drivers.js';
import { readMeasure, readPrice, readStringList, type Decimal } from '../fields.js';
import { Decimal as D } from '../money.js';
import { compareIds } from '../order.js';
import { displayQuantity, priceLine } from '../price.js';
import { roundedParts, shown } from '../parts.js';
import { driverOf, type AllocationMethod } from './method.js';

interface Params {
  subscribers: readonly string[];
  flat: Decimal;
  included: Decimal;
  per: Decimal;
  overage: Decimal;
}

/**
 * `flat-plus-overage` (SPEC §4.2, §8.12): every subscriber, and every other centre with usage
 * in the pool (unallocated included), pays flat + max(0, q − included) / per × overage,
 * rounded half-up once. A subscriber without usage pays the flat fee.
 */
export const flatPlusOverage: AllocationMethod<Params> = {
  name: 'flat-plus-overage',
  kind: 'price',
  drivers: VOLUME_DRIVERS,
  needsCost: false,
  keys: ['subscribers', 'flat', 'included', 'per', 'overage', 'idle'],
  parse(raw, path, issues, { centreIds }) {
    const subscribers = raw.subscribers === undefined ? [] : readStringList(raw.subscribers, [...path, 'subscribers'], issues);
    subscribers?.forEach((id, i) => {
      if (!centreIds.has(id)) issues.add([...path, 'subscribers', i], `"${id}" is not a cost centre of this card`);
    });
    const flat = readPrice(raw.flat, [...path, 'flat'], issues);
    const overage = readPrice(raw.overage, [...path, 'overage'], issues);
    const included = raw.included === undefined ? ZERO : readMeasure(raw.included, [...path, 'included'], issues, false);
    const per = raw.per === undefined ? new D(1) : readMeasure(raw.per, [...path, 'per'], issues, true);
    if (!subscribers || subscribers.some((id) => !centreIds.has(id)) || !flat || !overage || !included || !per) return null;
    return { subscribers, flat, included, per, overage };
  },
  driversUsed: (pool) => [driverOf(pool)],
  charge({ pool, usage }, params) {
    const driver = driverOf(pool);
    const divisor = driverDivisor(driver);
    const quantities = usage.quantities(driver);
    const payers = [...new Set([...params.subscribers, ...usage.centres])].sort(compareIds);
    const charges = payers.map((costCentre) => {
      const base = quantities.get(costCentre) ?? ZERO;
      const over = D.max(ZERO, base.minus(params.included.times(divisor)));
      const perUnits = params.per.times(divisor);
      const amount = priceLine(params.flat.times(perUnits).plus(over.times(params.overage)), perUnits);
      const overage = over.times(params.overage).dividedBy(perUnits);
      const parts = [
        { what: 'flat fee', amount: params.flat },
        ...roundedParts(`${shown(over.dividedBy(divisor))} ${driver} over the ${shown(params.included)} included × ${shown(params.overage)} per ${shown(params.per)}`,
          overage, amount.minus(params.flat)),
      ];
      return { costCentre, kind: 'usage' as const, quantity: displayQuantity(base, divisor), unitPrice: params.overage.dividedBy(params.per), amount, parts };
    });
    return { charges, warnings: [] };
  },
};
