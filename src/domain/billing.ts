import { ZERO } from './drivers.js';
import { CurrencyError } from './errors.js';
import { Decimal } from './money.js';
import type { MonthRange } from './month.js';
import type { BillingCost, BillingFilterKey, BillingRecord, CostColumn } from './types.js';

const FIELD: Record<BillingFilterKey, (r: BillingRecord) => string | undefined> = {
  provider: (r) => r.provider,
  service: (r) => r.service,
  resource_id: (r) => r.resourceId,
  sku: (r) => r.sku,
  charge_category: (r) => r.chargeCategory,
};

const COLUMN: Record<CostColumn, (r: BillingRecord) => Decimal> = {
  effective_cost: (r) => r.effectiveCost,
  billed_cost: (r) => r.billedCost,
  list_cost: (r) => r.listCost ?? ZERO,
};

/** Whether a record passes a pool's billing filter (a record lacking a field fails that key). */
export function billingFilterTakes(cost: BillingCost, record: BillingRecord): boolean {
  for (const [key, values] of cost.filter.fields) {
    const value = FIELD[key](record);
    if (value === undefined || !values.includes(value)) return false;
  }
  for (const [name, values] of cost.filter.tags) {
    const value = record.tags[name];
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
}

/**
 * The part of a record's cost that falls in the month: column × (overlap / period length),
 * exact (SPEC §4.1). A record with an empty period counts whole in the month it starts in.
 */
export function proratedCost(record: BillingRecord, column: CostColumn, range: MonthRange): Decimal {
  const amount = COLUMN[column](record);
  const length = record.periodEndMs - record.periodStartMs;
  if (length <= 0) return record.periodStartMs >= range.startMs && record.periodStartMs < range.endMs ? amount : ZERO;
  const overlap = Math.min(record.periodEndMs, range.endMs) - Math.max(record.periodStartMs, range.startMs);
  if (overlap <= 0) return ZERO;
  if (overlap === length) return amount;
  return amount.times(overlap).dividedBy(length);
}

/** What a billing-fed pool's records add up to in the month, and how many matched. */
export interface BilledCost {
  amount: Decimal;
  matched: number;
}

/**
 * Sums a billing-fed pool cost over the month. Throws CurrencyError when a matching record
 * is in another currency than the card's: amounts in two currencies are never added.
 */
export function billedCost(
  poolId: string,
  cost: BillingCost,
  records: readonly BillingRecord[],
  range: MonthRange,
  currency: string,
): BilledCost {
  const matching = records.filter((r) => billingFilterTakes(cost, r) && !proratedOverlapIsEmpty(r, range));
  const foreign = matching.filter((r) => r.currency !== currency);
  if (foreign.length > 0) {
    const currencies = [...new Set(foreign.map((r) => r.currency))].sort().join(', ');
    throw new CurrencyError(
      `pool ${poolId}: ${foreign.length} billing record${foreign.length === 1 ? '' : 's'} in ${currencies}, ` +
        `but the rate card is in ${currency}: amounts in two currencies are never added`,
    );
  }
  const amount = matching.reduce((total, r) => total.plus(proratedCost(r, cost.column, range)), new Decimal(0));
  return { amount, matched: matching.length };
}

function proratedOverlapIsEmpty(record: BillingRecord, range: MonthRange): boolean {
  if (record.periodEndMs <= record.periodStartMs) return record.periodStartMs < range.startMs || record.periodStartMs >= range.endMs;
  return record.periodEndMs <= range.startMs || record.periodStartMs >= range.endMs;
}
