import { createHash } from 'node:crypto';
import type { BillingRecord, UsageEvent } from '../domain/types.js';
import { canonicalTags } from '../ledger/batches.js';

/**
 * The key that makes re-ingest idempotent (SPEC §3, §8.3): the request id when the export
 * has one, else a hash of the whole normalised row, so an overlapping export never counts twice.
 */
export function naturalKey(event: UsageEvent): string {
  if (event.requestId !== undefined) return `r:${event.requestId}`;
  const row = [
    event.tsMs, event.apiKeyFp ?? null, event.user ?? null, event.team ?? null, event.project ?? null, event.model,
    event.inputTokens, event.outputTokens, event.cachedInputTokens, event.latencyMs ?? null, event.status,
    event.tier ?? null, event.environment ?? null, canonicalTags(event.tags),
  ];
  return `h:${createHash('sha256').update(JSON.stringify(row)).digest('hex').slice(0, 32)}`;
}

/**
 * A billing record's key (SPEC §3): the provider's line id with the charge period (a CUR
 * line id repeats from hour to hour), else a hash of the whole raw row. Not of the
 * normalised record: two real charges can differ only in columns we do not keep (the
 * Azure sample has two, on different subscriptions), and neither may be lost.
 */
export function billingKey(format: string, record: BillingRecord, row: string): string {
  if (record.lineId !== undefined) return `l:${format}:${record.lineId}:${record.periodStartMs}:${record.periodEndMs}`;
  return `h:${createHash('sha256').update(row).digest('hex').slice(0, 32)}`;
}
