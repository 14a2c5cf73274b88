import { countsInMonth, billingFilterTakes, monthCost } from './billing.js';
import { Decimal } from './money.js';
import { compareIds } from './order.js';
import type { Period } from './month.js';
import { tagOf } from './tags.js';
import type { BillingCost, BillingRecord, CostCentre, ExchangeRate } from './types.js';

/**
 * Direct attribution of bills (issue 29): a record belongs to the first cost centre whose
 * match names one of its billing dimensions. A resource group is matched whatever its letter
 * case (Azure treats its names case-insensitively); every other value exactly (SPEC §8.5).
 */
const BILL_FIELD: Readonly<Record<string, (r: BillingRecord) => string | undefined>> = {
  account: (r) => r.account,
  subscription: (r) => r.subscription,
  project: (r) => r.project,
  resource_group: (r) => r.resourceGroup,
  service: (r) => r.service,
};

const sameValue = (key: string, value: string) => (wanted: string) => (key === 'resource_group' ? wanted.toLowerCase() === value.toLowerCase() : wanted === value);

/** The first centre whose match fits the record's billing dimensions or resource tags, or null. */
export function matchBillingCentre(record: BillingRecord, centres: readonly CostCentre[]): CostCentre | null {
  for (const centre of centres) {
    for (const [key, values] of centre.match) {
      const value = key.startsWith('tag.') ? tagOf(record.tags, key.slice(4)) : BILL_FIELD[key]?.(record);
      if (value !== undefined && value !== '' && values.some(sameValue(key, value))) return centre;
    }
  }
  return null;
}

/** What one owner's records of a pool add up to in the month, in the card's currency. */
export interface BilledOwner {
  amount: Decimal;
  records: number;
  /** The part of `amount` that is unused commitment (what a `direct` pool's unused_commitments centre is given). */
  unusedCommitment: Decimal;
  /** For the unallocated centre: its largest unmatched accounts (or subscriptions, projects), with their sums. */
  top: { who: string; amount: Decimal }[];
}

/** How an unmatched record names who it belongs to, for the unmatched line. */
function whoOf(r: BillingRecord): string {
  const named = [['account', r.account], ['subscription', r.subscription], ['project', r.project], ['resource_group', r.resourceGroup]]
    .filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k} ${v}`);
  return named.length > 0 ? named.join(' ') : `no account (${r.service || r.provider})`;
}

/** Unmatched owners listed on the unallocated line. */
export const UNMATCHED_BILLS_LISTED = 3;

/**
 * Per owning centre, the pool's records in the month (its filter, its column's clock), each
 * converted once per currency at the card's rate (the pool's cost is the sum of these); the
 * unmatched ones under `unallocated`. Exact: the owners add up to the pool's billed cost.
 */
export function billedByOwner(
  cost: BillingCost, records: readonly BillingRecord[], period: Period, currency: string, rates: readonly ExchangeRate[],
  centres: readonly CostCentre[], unallocated: string, unusedTo: string = unallocated,
): Map<string, BilledOwner> {
  const rateOf = (code: string) => (code === currency ? new Decimal(1) : rates.find((r) => r.currency === code)?.rate ?? null);
  const sums = new Map<string, Map<string, Decimal>>();
  const counts = new Map<string, number>();
  const unusedSums = new Map<string, Map<string, Decimal>>();
  const unmatched = new Map<string, Map<string, Decimal>>();
  const shownAs = new Map<string, string>();
  const add = (into: Map<string, Map<string, Decimal>>, key: string, code: string, amount: Decimal) => {
    const byCurrency = into.get(key) ?? new Map<string, Decimal>();
    byCurrency.set(code, (byCurrency.get(code) ?? new Decimal(0)).plus(amount));
    into.set(key, byCurrency);
  };
  for (const r of records) {
    if (!billingFilterTakes(cost, r) || !countsInMonth(r, cost.column, period)) continue;
    // Commitment left unused is nobody's usage: it goes where the card says (issue 29).
    const unused = r.commitment === 'unused';
    const owner = unused ? unusedTo : matchBillingCentre(r, centres)?.id ?? unallocated;
    const amount = monthCost(r, cost.column, period);
    add(sums, owner, r.currency, amount);
    if (unused) add(unusedSums, owner, r.currency, amount);
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
    if (owner === unallocated && !unused) {
      // Named as first seen; a resource group in another letter case is the same one.
      const who = whoOf(r);
      const same = who.toLowerCase();
      if (!shownAs.has(same)) shownAs.set(same, who);
      add(unmatched, shownAs.get(same)!, r.currency, amount);
    }
  }
  // Each currency's sum converted once, as the pool's cost is (billing.ts); a missing rate is the pool cost's error.
  const converted = (byCurrency: Map<string, Decimal>) =>
    [...byCurrency].reduce((total, [code, amount]) => total.plus(amount.times(rateOf(code) ?? 0)), new Decimal(0));
  const top = [...unmatched].map(([who, byCurrency]) => ({ who, amount: converted(byCurrency) }))
    .sort((a, b) => b.amount.abs().comparedTo(a.amount.abs()) || compareIds(a.who, b.who)).slice(0, UNMATCHED_BILLS_LISTED);
  return new Map([...sums].map(([owner, byCurrency]) => [owner, {
    amount: converted(byCurrency), records: counts.get(owner)!, unusedCommitment: converted(unusedSums.get(owner) ?? new Map()),
    top: owner === unallocated ? top : [],
  }]));
}
