import { MJ_PER_KWH, ZERO } from './drivers.js';
import { Decimal, formatAmount, fromCents, roundCents, sum, toCents } from './money.js';
import { compareMonths, nextMonth, type Month } from './month.js';
import type { CostPart, Depreciation, EnergyPrice, PoolCost } from './types.js';

/**
 * A self-hosted pool's cost from its parts (issue 35): the fixed amount or the bill as before,
 * each purchase's straight-line depreciation for the month, and the energy its GPUs measured
 * priced at the card's PUE and price per kWh. Each part is to the cent, so they add up to the
 * pool's base exactly; overhead is applied to the sum once, as to any cost.
 */

/** Which month of a purchase's life `month` is: 1 for the in-service month; 0 or beyond the life when outside it. */
function monthOfLife(d: Depreciation, month: Month): number {
  return compareMonths(month, d.inService) + 1;
}

/**
 * The month's depreciation of a purchase, straight line: (purchase − salvage) / life floored
 * to the cent each month, and the last month of the life takes what is left, so the schedule
 * adds up to the depreciable amount exactly. Zero outside the life.
 */
export function depreciationFor(d: Depreciation, month: Month): Decimal {
  const n = monthOfLife(d, month);
  if (n < 1 || n > d.lifeMonths) return ZERO;
  const total = toCents(d.purchase.minus(d.salvage));
  const monthly = total / BigInt(d.lifeMonths);
  return fromCents(n === d.lifeMonths ? total - monthly * BigInt(d.lifeMonths - 1) : monthly);
}

/** A purchase's whole schedule, month by month from its in-service month. */
export function depreciationSchedule(d: Depreciation): Decimal[] {
  let month = d.inService;
  return Array.from({ length: d.lifeMonths }, () => {
    const amount = depreciationFor(d, month);
    month = nextMonth(month);
    return amount;
  });
}

/** The energy a pool is charged for: its hosts' measured mJ (every host's without a list), in kWh, priced and rounded once. */
export function energyCost(price: EnergyPrice, energyByHost: ReadonlyMap<string, Decimal>): { mj: Decimal; amount: Decimal } {
  const hosts = price.hosts ? price.hosts.filter((h) => energyByHost.has(h)) : [...energyByHost.keys()];
  const mj = sum(hosts.map((h) => energyByHost.get(h)!));
  return { mj, amount: roundCents(mj.times(price.pue).times(price.pricePerKwh).dividedBy(MJ_PER_KWH)) };
}

/** kWh as shown: to three places (a watt-hour). */
export const kwhText = (mj: Decimal): string => mj.dividedBy(MJ_PER_KWH).toDecimalPlaces(3, Decimal.ROUND_HALF_UP).toFixed(3);

/**
 * The parts of a cost with depreciation or energy, in the card's order: fixed (when given),
 * the bill, each purchase, the energy. Null for a cost without either: its base is as before.
 */
export function costParts(cost: PoolCost, month: Month, billed: Decimal | null, energyByHost: ReadonlyMap<string, Decimal>): CostPart[] | null {
  if (!cost.depreciation && !cost.energy) return null;
  const parts: CostPart[] = [];
  if (cost.kind === 'fixed' && !cost.amount.isZero()) parts.push({ part: 'fixed', amount: cost.amount, detail: `fixed ${formatAmount(cost.amount)}` });
  if (cost.kind === 'billing') parts.push({ part: 'billing', amount: billed ?? ZERO, detail: `billing, ${cost.column}` });
  for (const d of cost.depreciation ?? []) {
    const n = monthOfLife(d, month);
    const life = n < 1 ? `not in service until ${d.inService.label}` : n > d.lifeMonths ? `fully depreciated after ${d.lifeMonths} months` : `month ${n} of ${d.lifeMonths}${n === d.lifeMonths ? ', the remainder' : ''}`;
    const salvage = d.salvage.isZero() ? '' : ` less salvage ${formatAmount(d.salvage)}`;
    parts.push({ part: 'depreciation', amount: depreciationFor(d, month), detail: `depreciation of ${d.name}: ${formatAmount(d.purchase)}${salvage} over ${d.lifeMonths} months from ${d.inService.label} (${life})` });
  }
  if (cost.energy) {
    const { mj, amount } = energyCost(cost.energy, energyByHost);
    const hosts = cost.energy.hosts ? ` on ${cost.energy.hosts.join(', ')}` : '';
    parts.push({ part: 'energy', amount, detail: `energy: ${kwhText(mj)} kWh measured${hosts} × PUE ${cost.energy.pue.toFixed()} × ${cost.energy.pricePerKwh.toFixed()} per kWh` });
  }
  return parts;
}
