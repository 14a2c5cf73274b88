import { ZERO } from './drivers.js';
import { tagOf } from './tags.js';
import { CurrencyError } from './errors.js';
import { Decimal } from './money.js';
import { allocate } from './allocate.js';
import { monthRange, nextMonth, type Month, type MonthRange, type Period } from './month.js';
import type { BillingCost, BillingFilterKey, BillingRecord, Conversion, CostColumn, ExchangeRate } from './types.js';

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
    const value = tagOf(record.tags, name);
    if (value === undefined || !values.includes(value)) return false;
  }
  return true;
}

/** The UTC calendar month a record is invoiced in, when its export says. */
function invoiceMonthOf(record: BillingRecord): string | null {
  return record.billingPeriodStartMs === undefined ? null : new Date(record.billingPeriodStartMs).toISOString().slice(0, 7);
}

/**
 * Two clocks for money (issue 15): billed cost follows the invoice, so a record that names
 * its billing period counts whole in its invoice month (a 12-month prepayment is billed in
 * the month it is invoiced); effective and list cost, and billed cost of a record without a
 * billing period, are prorated over the charge period (amortised to usage).
 */
export function monthCost(record: BillingRecord, column: CostColumn, period: Period): Decimal {
  const invoiced = column === 'billed_cost' ? invoiceMonthOf(record) : null;
  if (invoiced !== null) return invoiced === period.month.label ? record.billedCost : ZERO;
  return proratedCost(record, column, period);
}

/** Whether a record adds to the month on this column's clock. */
export function countsInMonth(record: BillingRecord, column: CostColumn, period: Period): boolean {
  const invoiced = column === 'billed_cost' ? invoiceMonthOf(record) : null;
  return invoiced !== null ? invoiced === period.month.label : !proratedOverlapIsEmpty(record, period.range);
}

/**
 * The part of a record's cost that falls in the month (SPEC §4.1: by the fraction of its
 * charge period inside it). A record spanning several months is split over all of them by
 * time with the largest-remainder method at the amount's own precision, so the months add
 * up to the record exactly (issue 6) and each part is the exact fraction to within one unit
 * of that precision. An empty period counts whole in the month it starts in.
 */
export function proratedCost(record: BillingRecord, column: CostColumn, { month, zone, range }: Period): Decimal {
  const amount = COLUMN[column](record);
  const length = record.periodEndMs - record.periodStartMs;
  if (length <= 0) return record.periodStartMs >= range.startMs && record.periodStartMs < range.endMs ? amount : ZERO;
  const overlap = Math.min(record.periodEndMs, range.endMs) - Math.max(record.periodStartMs, range.startMs);
  if (overlap <= 0) return ZERO;
  if (overlap === length) return amount;
  // At least cents: Decimal drops trailing zeros, so 100.00 would otherwise split in dollars.
  const places = Math.max(amount.decimalPlaces(), 2);
  const units = BigInt(amount.times(new Decimal(10).pow(places)).toFixed(0));
  const parts = allocate(units, monthsOf(record, zone).map((m) => ({ id: m.label, weight: new Decimal(m.overlap) })));
  return new Decimal((parts?.get(month.label) ?? 0n).toString()).dividedBy(new Decimal(10).pow(places));
}

/** The months (in `zone`) a record's period touches, with how many milliseconds of it each holds. */
function monthsOf(record: BillingRecord, zone: string): { label: string; overlap: number }[] {
  const first = new Date(record.periodStartMs - 14 * 3_600_000);
  let month: Month = { label: '', year: first.getUTCFullYear(), month: first.getUTCMonth() + 1 };
  month = { ...month, label: `${month.year}-${String(month.month).padStart(2, '0')}` };
  const out: { label: string; overlap: number }[] = [];
  for (;;) {
    const range = monthRange(month, zone);
    if (range.startMs >= record.periodEndMs) return out;
    const overlap = Math.min(record.periodEndMs, range.endMs) - Math.max(record.periodStartMs, range.startMs);
    if (overlap > 0) out.push({ label: month.label, overlap });
    month = nextMonth(month);
  }
}

/** What a billing-fed pool's records add up to in the month, and how many matched. */
export interface BilledCost {
  /** In the card's currency: its own records' sum plus every conversion's `converted`. */
  amount: Decimal;
  matched: number;
  conversions: Conversion[];
}

/**
 * Sums a billing-fed pool cost over the month. Records in another currency are summed in
 * their own currency, exactly, and that sum is converted once at the card's rate (issue 15),
 * unrounded: the pool's cost is rounded to the cent once, later, as any other. A currency
 * the card has no rate for throws CurrencyError: amounts in two currencies are never added.
 */
export function billedCost(
  poolId: string,
  cost: BillingCost,
  records: readonly BillingRecord[],
  period: Period,
  currency: string,
  rates: readonly ExchangeRate[] = [],
): BilledCost {
  const matching = records.filter((r) => billingFilterTakes(cost, r) && countsInMonth(r, cost.column, period));
  const byCurrency = new Map<string, { count: number; amount: Decimal }>();
  for (const r of matching) {
    const entry = byCurrency.get(r.currency) ?? { count: 0, amount: new Decimal(0) };
    byCurrency.set(r.currency, { count: entry.count + 1, amount: entry.amount.plus(monthCost(r, cost.column, period)) });
  }
  const foreign = [...byCurrency].filter(([code]) => code !== currency).sort(([a], [b]) => (a < b ? -1 : 1));
  const unrated = foreign.filter(([code]) => !rates.some((r) => r.currency === code));
  if (unrated.length > 0) {
    const count = unrated.reduce((n, [, e]) => n + e.count, 0);
    throw new CurrencyError(
      `pool ${poolId}: ${count} billing record${count === 1 ? '' : 's'} in ${unrated.map(([c]) => c).join(', ')}, ` +
        `but the rate card is in ${currency}: amounts in two currencies are never added ` +
        `(give the card exchange_rates for ${unrated.map(([c]) => c).join(', ')} to convert them)`,
    );
  }
  const conversions = foreign.map(([code, { amount }]) => {
    const rate = rates.find((r) => r.currency === code)!;
    return { ...rate, amount, converted: amount.times(rate.rate) };
  });
  const own = byCurrency.get(currency)?.amount ?? new Decimal(0);
  return { amount: conversions.reduce((total, c) => total.plus(c.converted), own), matched: matching.length, conversions };
}

function proratedOverlapIsEmpty(record: BillingRecord, range: MonthRange): boolean {
  if (record.periodEndMs <= record.periodStartMs) return record.periodStartMs < range.startMs || record.periodStartMs >= range.endMs;
  return record.periodEndMs <= range.startMs || record.periodStartMs >= range.endMs;
}
