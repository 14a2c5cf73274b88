import { countsInMonth, monthCost, proratedCost } from './billing.js';
import { Decimal } from './money.js';
import type { Period } from './month.js';
import { compareIds } from './order.js';
import type { BillingRecord } from './types.js';

/** One line of the billing summary: a group and what its records cost in the month. */
export interface BillingSummaryRow {
  group: string;
  currency: string;
  records: number;
  billedCost: Decimal;
  effectiveCost: Decimal;
}

export interface BillingSummary {
  byService: BillingSummaryRow[];
  byTag: BillingSummaryRow[];
  total: BillingSummaryRow[];
  /** Commitment the bill marks (issue 29): `used` and `unused`, per currency; empty when it marks none. */
  byCommitment: BillingSummaryRow[];
}

/** A commitment's utilisation: used effective cost of used plus unused, in percent, or null without any. */
export function utilisationPct(rows: readonly BillingSummaryRow[], currency: string): Decimal | null {
  const of = (group: string) => rows.find((r) => r.group === group && r.currency === currency)?.effectiveCost ?? new Decimal(0);
  const whole = of('used').plus(of('unused'));
  return whole.isZero() ? null : of('used').dividedBy(whole).times(100);
}

/**
 * What the month's billing records cost, prorated to the month in `zone`, by provider and
 * service, by tag (`key=value`), and in total per currency: what an analyst needs to write
 * a pool's billing filter. Currencies are never added together.
 */
export function summariseBilling(records: readonly BillingRecord[], period: Period): BillingSummary {
  const byService = new Map<string, BillingSummaryRow>();
  const byTag = new Map<string, BillingSummaryRow>();
  const total = new Map<string, BillingSummaryRow>();
  const byCommitment = new Map<string, BillingSummaryRow>();
  for (const record of records) {
    if (!countsInMonth(record, 'billed_cost', period) && !countsInMonth(record, 'effective_cost', period)) continue;
    // Billed cost on the invoice's clock, effective cost amortised over the charge period (issue 15).
    const billed = monthCost(record, 'billed_cost', period);
    const effective = proratedCost(record, 'effective_cost', period);
    const add = (map: Map<string, BillingSummaryRow>, group: string, sameGroup = group) => {
      const key = JSON.stringify([sameGroup, record.currency]);
      const row = map.get(key) ?? { group, currency: record.currency, records: 0, billedCost: new Decimal(0), effectiveCost: new Decimal(0) };
      row.records++;
      row.billedCost = row.billedCost.plus(billed);
      row.effectiveCost = row.effectiveCost.plus(effective);
      map.set(key, row);
    };
    add(byService, `${record.provider || '(no provider)'} / ${record.service || '(no service)'}`);
    // A resource group is one whatever its letter case (Azure's rule), shown as first seen.
    for (const [key, value] of Object.entries(record.tags)) add(byTag, `${key}=${value}`, `${key}=${key === 'resource_group' ? value.toLowerCase() : value}`);
    add(total, 'total');
    if (record.commitment) add(byCommitment, record.commitment);
  }
  const sorted = (map: Map<string, BillingSummaryRow>) =>
    [...map.values()].sort((a, b) => compareIds(a.group, b.group) || compareIds(a.currency, b.currency));
  return { byService: sorted(byService), byTag: sorted(byTag), total: sorted(total), byCommitment: sorted(byCommitment) };
}

/** Whether any of a record's period falls in the month (an empty period: whether it starts there). */

/** One commitment's month (issue 33): its used and unused effective cost, prorated to the month. */
export interface CommitmentUse {
  /** The commitment's id as the bill names it; NO_COMMITMENT_ID where it names none. */
  id: string;
  currency: string;
  used: Decimal;
  unused: Decimal;
}

export const NO_COMMITMENT_ID = '(not named)';

/** Each commitment the month's bills mark used or unused, per currency, by id. */
export function commitmentUse(records: readonly BillingRecord[], period: Period): CommitmentUse[] {
  const found = new Map<string, CommitmentUse>();
  for (const record of records) {
    if (!record.commitment || !countsInMonth(record, 'effective_cost', period)) continue;
    const id = record.commitmentId ?? NO_COMMITMENT_ID;
    const key = JSON.stringify([id, record.currency]);
    const use = found.get(key) ?? { id, currency: record.currency, used: new Decimal(0), unused: new Decimal(0) };
    use[record.commitment] = use[record.commitment].plus(proratedCost(record, 'effective_cost', period));
    found.set(key, use);
  }
  return [...found.values()].sort((a, b) => compareIds(a.id, b.id) || compareIds(a.currency, b.currency));
}

/** Used of used and unused, in percent to one place; null when the commitment cost nothing. */
export function utilisation(use: CommitmentUse): Decimal | null {
  const whole = use.used.plus(use.unused);
  return whole.isZero() ? null : use.used.dividedBy(whole).times(100).toDecimalPlaces(1);
}
