import { checkKeys, describe, formatPath, readDecimal, readMeasure, readRecord, readString, readStringList, type FieldPath, type Issues, type Raw } from '../domain/fields.js';
import { Decimal } from '../domain/money.js';
import { parseMonth } from '../domain/month.js';
import type { CostParts, Depreciation, EnergyPrice } from '../domain/types.js';

/**
 * A self-hosted pool's cost parts (issue 35), beside `fixed` or `billing` in `cost:`:
 *
 *   cost:
 *     fixed: "1200.00"                       # colocation, support: as before
 *     depreciation:                          # one purchase, or a list of them
 *       - { name: 8x H100 node, purchase: "288000.00", in_service: 2026-01, life_months: 36, salvage: "0.00" }
 *     energy: { pue: "1.3", price_per_kwh: "0.12", hosts: [gpu-node-1] }   # measured by the GPUs
 */
export const COST_PART_KEYS = ['depreciation', 'energy'] as const;

export function readCostParts(raw: Raw, path: FieldPath, issues: Issues): CostParts | null {
  const depreciation = raw.depreciation === undefined ? undefined : readDepreciations(raw.depreciation, [...path, 'depreciation'], issues);
  const energy = raw.energy === undefined ? undefined : readEnergy(raw.energy, [...path, 'energy'], issues);
  if (depreciation === null || energy === null) return null;
  return { ...(depreciation ? { depreciation } : {}), ...(energy ? { energy } : {}) };
}

function readDepreciations(value: unknown, path: FieldPath, issues: Issues): Depreciation[] | null {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) {
    issues.add(path, 'expected a purchase { purchase, in_service, life_months } or a list of them, got an empty list');
    return null;
  }
  const read = list.map((item, i) => readDepreciation(item, Array.isArray(value) ? [...path, i] : path, i, issues));
  return read.every((d) => d !== null) ? (read as Depreciation[]) : null;
}

function readDepreciation(value: unknown, path: FieldPath, index: number, issues: Issues): Depreciation | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, ['name', 'purchase', 'in_service', 'life_months', 'salvage'], path, issues);
  const name = raw.name === undefined ? `purchase ${index + 1}` : readString(raw.name, [...path, 'name'], issues);
  const purchase = readDecimal(raw.purchase, [...path, 'purchase'], issues);
  const salvage = raw.salvage === undefined ? new Decimal(0) : readDecimal(raw.salvage, [...path, 'salvage'], issues);
  const inService = typeof raw.in_service === 'string' ? parseMonth(raw.in_service) : null;
  if (!inService) issues.add([...path, 'in_service'], `expected the month it went into service, YYYY-MM, got ${describe(raw.in_service)}`);
  const life = raw.life_months;
  const lifeMonths = Number.isSafeInteger(life) && (life as number) >= 1 && (life as number) <= 600 ? (life as number) : null;
  if (lifeMonths === null) issues.add([...path, 'life_months'], `expected a whole number of months from 1 to 600, got ${describe(life)}`);
  if (purchase?.isNegative()) issues.add([...path, 'purchase'], `expected an amount of 0 or more, got "${purchase.toFixed()}"`);
  const salvageOk = salvage !== null && purchase !== null && !salvage.isNegative() && !salvage.greaterThan(purchase);
  if (salvage && purchase && !salvageOk) issues.add([...path, 'salvage'], `expected from 0 to the purchase (${purchase.toFixed()}), got "${salvage.toFixed()}"`);
  if (!name || !purchase || !inService || lifeMonths === null || !salvageOk || purchase.isNegative()) return null;
  return { name, purchase, salvage: salvage!, inService, lifeMonths };
}

function readEnergy(value: unknown, path: FieldPath, issues: Issues): EnergyPrice | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, ['pue', 'price_per_kwh', 'hosts'], path, issues);
  const pue = raw.pue === undefined ? null : readMeasure(raw.pue, [...path, 'pue'], issues, true);
  if (raw.pue === undefined) issues.add([...path, 'pue'], 'expected the power usage effectiveness, such as "1.3" (1 for none)');
  if (pue?.lessThan(1)) issues.add([...path, 'pue'], `expected 1 or more (facility energy over IT energy), got "${pue.toFixed()}"`);
  const price = readDecimal(raw.price_per_kwh, [...path, 'price_per_kwh'], issues);
  if (price?.isNegative()) issues.add([...path, 'price_per_kwh'], `expected a price of 0 or more, got "${price.toFixed()}"`);
  const hosts = raw.hosts === undefined ? undefined : readStringList(raw.hosts, [...path, 'hosts'], issues);
  if (!pue || pue.lessThan(1) || !price || price.isNegative() || hosts === null) return null;
  return { pue, pricePerKwh: price, ...(hosts ? { hosts } : {}) };
}

/**
 * One GPU's energy may be charged once: two pools pricing energy must each list their
 * `hosts`, and no host twice. Without the rule, two energy pools would each charge every
 * GPU's energy.
 */
export function checkEnergyOnce(pools: readonly { value: { cost?: CostParts }; path: FieldPath }[], issues: Issues): void {
  const pricing = pools.filter((p) => p.value.cost?.energy);
  if (pricing.length < 2) return;
  const taken = new Map<string, FieldPath>();
  for (const { value, path } of pricing) {
    const hosts = value.cost!.energy!.hosts;
    const where = [...path, 'cost', 'energy'];
    if (!hosts) {
      issues.add(where, `${pricing.length} pools price GPU energy: each must list its hosts, or every GPU's energy is charged in each`);
      continue;
    }
    for (const host of hosts) {
      const first = taken.get(host);
      if (first) issues.add([...where, 'hosts'], `host "${host}" is priced by ${formatPath(first)} already: a GPU's energy is charged once`);
      else taken.set(host, path);
    }
  }
}
