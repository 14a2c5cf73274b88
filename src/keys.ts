import { createHash } from 'node:crypto';
import type { BillingRecord, UsageEvent } from './domain/types.js';
import { CLASS_COUNTS } from './domain/usage-counts.js';

/*
 * The keys rows are known by, in one pure module that the parsing thread and the ledger
 * both import: the natural keys that make re-ingest idempotent, and the dims key that
 * groups an event's identity and attributes (issue 14).
 */

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
    // Only a bucket stands for other than one request: every key made before stays as it was.
    ...(event.requests !== undefined && event.requests !== 1 ? [event.requests] : []),
    // Likewise the token classes (issue 29): named only when a source carried one.
    ...(CLASS_COUNTS.some((c) => (event[c.field] ?? 0) !== 0) ? [CLASS_COUNTS.map((c) => event[c.field] ?? 0)] : []),
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

/**
 * The dims of an event as one string: what identifies its usage_dims row. A JSON array (the
 * tags an object in it, keys sorted), so that no value, whatever it holds, runs into the next.
 */
export function dimKey(e: UsageEvent): string {
  return JSON.stringify([e.apiKeyFp ?? '', e.user ?? '', e.team ?? '', e.project ?? '', e.model, e.tier ?? '', e.environment ?? '',
    sortedTags(e.tags)]);
}

/** Tags as JSON with sorted keys, so equal tag sets group together. */
export function canonicalTags(tags: Readonly<Record<string, string>>): string {
  return JSON.stringify(sortedTags(tags));
}

/** The tags with their names in sorted order: the object itself when they already are. */
function sortedTags(tags: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  const names = Object.keys(tags);
  for (let i = 1; i < names.length; i++) {
    if (names[i - 1]! >= names[i]!) return Object.fromEntries(names.sort().map((name) => [name, tags[name]!]));
  }
  return tags;
}
