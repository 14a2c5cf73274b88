import { Decimal } from '../domain/money.js';
import type { MonthRange } from '../domain/month.js';
import type { BillingRecord } from '../domain/types.js';
import type { Ledger } from './open.js';

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
}

/** A record's charge period overlaps the month (or, empty, starts in it): params end, start, start. */
const IN_RANGE = 'period_start_ms < ? AND (period_end_ms > ? OR (period_end_ms <= period_start_ms AND period_start_ms >= ?))';

/** The batches whose billing records a month reads. */
export function billingBatchesInRange(db: Ledger, range: MonthRange): number[] {
  return db.prepare(`SELECT DISTINCT batch_id FROM billing_records WHERE ${IN_RANGE}`).pluck()
    .all(range.endMs, range.startMs, range.startMs) as number[];
}

/** Billing records whose charge period overlaps the month (or, empty, starts in it). */
export function billingRecordsInRange(db: Ledger, range: MonthRange): BillingRecord[] {
  const rows = db
    .prepare(
      `SELECT period_start_ms AS periodStartMs, period_end_ms AS periodEndMs, billed_cost AS billedCost,
         effective_cost AS effectiveCost, list_cost AS listCost, currency, provider, service,
         resource_id AS resourceId, sku, charge_category AS chargeCategory, tags
       FROM billing_records
       WHERE ${IN_RANGE}
       ORDER BY id`,
    )
    .all(range.endMs, range.startMs, range.startMs) as BillingRow[];
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
  }));
}
