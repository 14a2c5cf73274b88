import { Decimal } from '../domain/money.js';
import { monthRange, type Period } from '../domain/month.js';
import type { BillingRecord } from '../domain/types.js';
import type { Ledger } from './engine.js';

interface BillingRow {
  periodStartMs: number;
  periodEndMs: number;
  billedCost: string;
  effectiveCost: string;
  listCost: string | null;
  currency: string;
  provider: string;
  service: string;
  resourceId: string | null;
  sku: string | null;
  chargeCategory: string;
  tags: string;
  billingPeriodStartMs: number | null;
  billingPeriodEndMs: number | null;
  account: string | null;
  subscription: string | null;
  project: string | null;
  resourceGroup: string | null;
  commitment: string | null;
  commitmentId: string | null;
  model: string | null;
}

/**
 * A record the month may count: its charge period overlaps the month (or, empty, starts in
 * it), or its invoice falls in the month's UTC calendar month (billed cost follows the
 * invoice). Params: end, start, start, invoice start, invoice end.
 */
const IN_PERIOD = `(period_start_ms < ? AND (period_end_ms > ? OR (period_end_ms <= period_start_ms AND period_start_ms >= ?)))
  OR (billing_period_start_ms >= ? AND billing_period_start_ms < ?)`;

function periodParams({ month, range }: Period): number[] {
  const invoice = monthRange(month, 'UTC');
  return [range.endMs, range.startMs, range.startMs, invoice.startMs, invoice.endMs];
}

/** The batches whose billing records a month reads. */
export function billingBatchesInRange(db: Ledger, period: Period): number[] {
  return db.prepare(`SELECT DISTINCT batch_id FROM billing_records WHERE ${IN_PERIOD}`).pluck().all(...periodParams(period)) as number[];
}

/** Billing records the month may count (see IN_PERIOD). */
export function billingRecordsInRange(db: Ledger, period: Period): BillingRecord[] {
  const rows = db
    .prepare(
      `SELECT period_start_ms AS "periodStartMs", period_end_ms AS "periodEndMs", billed_cost AS "billedCost",
         effective_cost AS "effectiveCost", list_cost AS "listCost", currency, provider, service,
         resource_id AS "resourceId", sku, charge_category AS "chargeCategory", tags,
         billing_period_start_ms AS "billingPeriodStartMs", billing_period_end_ms AS "billingPeriodEndMs",
         account, subscription, project, resource_group AS "resourceGroup", commitment, commitment_id AS "commitmentId", model
       FROM billing_records
       WHERE ${IN_PERIOD}
       ORDER BY id`,
    )
    .all(...periodParams(period)) as BillingRow[];
  return rows.map((r) => ({
    periodStartMs: r.periodStartMs,
    periodEndMs: r.periodEndMs,
    billedCost: new Decimal(r.billedCost),
    effectiveCost: new Decimal(r.effectiveCost),
    listCost: r.listCost === null ? null : new Decimal(r.listCost),
    currency: r.currency,
    provider: r.provider,
    service: r.service,
    ...(r.resourceId === null ? {} : { resourceId: r.resourceId }),
    ...(r.sku === null ? {} : { sku: r.sku }),
    chargeCategory: r.chargeCategory,
    tags: JSON.parse(r.tags) as Record<string, string>,
    ...(r.billingPeriodStartMs === null ? {} : { billingPeriodStartMs: r.billingPeriodStartMs }),
    ...(r.billingPeriodEndMs === null ? {} : { billingPeriodEndMs: r.billingPeriodEndMs }),
    ...(r.account === null ? {} : { account: r.account }),
    ...(r.subscription === null ? {} : { subscription: r.subscription }),
    ...(r.project === null ? {} : { project: r.project }),
    ...(r.resourceGroup === null ? {} : { resourceGroup: r.resourceGroup }),
    ...(r.commitment === 'used' || r.commitment === 'unused' ? { commitment: r.commitment } : {}),
    ...(r.commitmentId === null ? {} : { commitmentId: r.commitmentId }),
    ...(r.model === null ? {} : { model: r.model }),
  }));
}
