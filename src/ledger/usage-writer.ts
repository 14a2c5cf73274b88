import type { UsageEvent } from '../domain/types.js';
import type { Ledger } from './open.js';

export const DAY_MS = 86_400_000;

/** An event with the natural key that makes re-ingest idempotent (SPEC §3). */
export interface KeyedEvent {
  key: string;
  event: UsageEvent;
}

interface DailySums {
  day: number;
  dimId: number;
  requests: number;
  input: number;
  output: number;
  cached: number;
}

/** Rolled-up sums held in memory before they are upserted, at most this many at a time. */
const MAX_PENDING_SUMS = 200_000;

/**
 * Writes a batch's events inside its transaction: each event points at its dims row, and
 * each newly stored ok event is added to the day's sums, so that duplicates never count.
 * Returns how many events were new.
 */
export function usageWriter(db: Ledger, batchId: number) {
  const findDim = db.prepare(`SELECT id FROM usage_dims WHERE api_key_fp = ? AND user_name = ? AND team = ? AND
    project = ? AND model = ? AND tier = ? AND environment = ? AND tags = ?`).pluck();
  const addDim = db.prepare(`INSERT INTO usage_dims (api_key_fp, api_key_last4, user_name, team, project, model, tier,
    environment, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const addEvent = db.prepare(`INSERT OR IGNORE INTO usage_events (batch_id, natural_key, ts_ms, dim_id, status,
    input_tokens, output_tokens, cached_input_tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const addSums = db.prepare(`INSERT INTO usage_daily (day, dim_id, requests, input_tokens, output_tokens,
    cached_input_tokens) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (day, dim_id) DO UPDATE SET
    requests = requests + excluded.requests, input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens`);
  const addDay = db.prepare('INSERT OR IGNORE INTO batch_days (batch_id, day) VALUES (?, ?)');

  const dims = new Map<string, number>();
  // Keyed by day × 2^32 + dim id: a number, exact below 2^53, cheaper than a string.
  const sums = new Map<number, DailySums>();
  const days = new Set<number>();
  const params: unknown[] = [batchId, '', 0, 0, '', 0, 0, 0, null];

  function dimOf(e: UsageEvent): number {
    const tags = canonicalTags(e.tags);
    const key = `${e.apiKeyFp ?? ''}\u0001${e.user ?? ''}\u0001${e.team ?? ''}\u0001${e.project ?? ''}\u0001${e.model}\u0001${e.tier ?? ''}\u0001${e.environment ?? ''}\u0001${tags}`;
    let id = dims.get(key);
    if (id === undefined) {
      const values = [e.apiKeyFp ?? '', e.user ?? '', e.team ?? '', e.project ?? '', e.model, e.tier ?? '', e.environment ?? '', tags] as const;
      id = (findDim.get(...values) as number | undefined) ??
        Number(addDim.run(values[0], e.apiKeyLast4 ?? '', ...values.slice(1)).lastInsertRowid);
      dims.set(key, id);
    }
    return id;
  }

  function addToDay(e: UsageEvent, dimId: number, day: number): void {
    const key = day * 4294967296 + dimId;
    let entry = sums.get(key);
    if (!entry) {
      if (sums.size >= MAX_PENDING_SUMS) flushSums();
      entry = { day, dimId, requests: 0, input: 0, output: 0, cached: 0 };
      sums.set(key, entry);
    }
    entry.requests++;
    entry.input += e.inputTokens;
    entry.output += e.outputTokens;
    entry.cached += e.cachedInputTokens;
  }

  function flushSums(): void {
    for (const s of sums.values()) addSums.run(s.day, s.dimId, s.requests, s.input, s.output, s.cached);
    sums.clear();
  }

  return {
    insert(events: readonly KeyedEvent[]): number {
      let inserted = 0;
      for (const { key, event } of events) {
        const dimId = dimOf(event);
        params[1] = key;
        params[2] = event.tsMs;
        params[3] = dimId;
        params[4] = event.status;
        params[5] = event.inputTokens;
        params[6] = event.outputTokens;
        params[7] = event.cachedInputTokens;
        params[8] = event.latencyMs ?? null;
        if (addEvent.run(params).changes === 0) continue;
        inserted++;
        const day = Math.floor(event.tsMs / DAY_MS);
        days.add(day);
        if (event.status === 'ok') addToDay(event, dimId, day);
      }
      return inserted;
    },
    /** Writes what is still held in memory; call before the batch commits. */
    finish(): void {
      flushSums();
      for (const day of days) addDay.run(batchId, day);
      days.clear();
    },
  };
}

/** Tags as JSON with sorted keys, so equal tag sets group together. */
export function canonicalTags(tags: Readonly<Record<string, string>>): string {
  const names = Object.keys(tags);
  if (names.length === 0) return '{}';
  return JSON.stringify(Object.fromEntries(names.sort().map((name) => [name, tags[name]])));
}
