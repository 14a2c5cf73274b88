import type { UsageEvent } from '../domain/types.js';
import type { Ledger } from './open.js';

export const DAY_MS = 86_400_000;

/** An event with the natural key that makes re-ingest idempotent (SPEC §3). */
export interface KeyedEvent {
  key: string;
  event: UsageEvent;
}

/** Rolled-up sums held in memory before they are upserted, at most this many at a time. */
const MAX_PENDING_SUMS = 200_000;
export const QUARTER_MS = 900_000;

interface Sums {
  requests: number;
  input: number;
  output: number;
  cached: number;
}

/**
 * Sums per (bucket, dims) held in memory and upserted into `table` in bulk. Nested maps keyed
 * by small integers are cheaper than one map keyed by strings or by large numbers.
 */
function bucketSums(db: Ledger, table: 'usage_daily' | 'usage_edges', bucketColumn: 'day' | 'quarter') {
  const upsert = db.prepare(`INSERT INTO ${table} (${bucketColumn}, dim_id, requests, input_tokens, output_tokens,
    cached_input_tokens) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (${bucketColumn}, dim_id) DO UPDATE SET
    requests = requests + excluded.requests, input_tokens = input_tokens + excluded.input_tokens,
    output_tokens = output_tokens + excluded.output_tokens,
    cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens`);
  const buckets = new Map<number, Map<number, Sums>>();
  let size = 0;
  const flush = () => {
    for (const [bucket, byDim] of buckets) {
      for (const [dimId, s] of byDim) upsert.run(bucket, dimId, s.requests, s.input, s.output, s.cached);
    }
    buckets.clear();
    size = 0;
  };
  return {
    add(bucket: number, dimId: number, input: number, output: number, cached: number): void {
      let byDim = buckets.get(bucket);
      if (!byDim) buckets.set(bucket, (byDim = new Map()));
      let s = byDim.get(dimId);
      if (!s) {
        if (size >= MAX_PENDING_SUMS) {
          flush();
          return this.add(bucket, dimId, input, output, cached);
        }
        byDim.set(dimId, (s = { requests: 0, input: 0, output: 0, cached: 0 }));
        size++;
      }
      s.requests++;
      s.input += input;
      s.output += output;
      s.cached += cached;
    },
    flush,
  };
}

/** Whether a UTC day (days since 1970) is the first or the last of its month. */
export function isMonthEdgeDay(day: number): boolean {
  return new Date(day * DAY_MS).getUTCDate() === 1 || new Date((day + 1) * DAY_MS).getUTCDate() === 1;
}

/** isMonthEdgeDay, remembered: it is asked once per row. */
function edgeDays(): (day: number) => boolean {
  const known = new Map<number, boolean>();
  return (day) => {
    let edge = known.get(day);
    if (edge === undefined) known.set(day, (edge = isMonthEdgeDay(day)));
    return edge;
  };
}

/**
 * Writes a batch's events inside its transaction: each event points at its dims row, and
 * each newly stored ok event is added to its day's sums (and, on the first and last day of
 * a month, to its quarter hour's), so that duplicates never count.
 */
export function usageWriter(db: Ledger, batchId: number) {
  const findDim = db.prepare(`SELECT id FROM usage_dims WHERE api_key_fp = ? AND user_name = ? AND team = ? AND
    project = ? AND model = ? AND tier = ? AND environment = ? AND tags = ?`).pluck();
  const addDim = db.prepare(`INSERT INTO usage_dims (api_key_fp, api_key_last4, user_name, team, project, model, tier,
    environment, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const addEvent = db.prepare(`INSERT OR IGNORE INTO usage_events (batch_id, natural_key, ts_ms, dim_id, status,
    input_tokens, output_tokens, cached_input_tokens, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const addDay = db.prepare('INSERT OR IGNORE INTO batch_days (batch_id, day) VALUES (?, ?)');
  const addQuarter = db.prepare('INSERT OR IGNORE INTO batch_edges (batch_id, quarter) VALUES (?, ?)');

  const dims = new Map<string, number>();
  const daily = bucketSums(db, 'usage_daily', 'day');
  const edges = bucketSums(db, 'usage_edges', 'quarter');
  const isEdgeDay = edgeDays();
  const days = new Set<number>();
  const quarters = new Set<number>();
  const params: unknown[] = [batchId, '', 0, 0, '', 0, 0, 0, null];

  function dimOf(key: string, last4: string): number {
    let id = dims.get(key);
    if (id === undefined) {
      const values = key.split(DIM_SEPARATOR);
      id = (findDim.get(...values) as number | undefined) ??
        Number(addDim.run(values[0], last4, ...values.slice(1)).lastInsertRowid);
      dims.set(key, id);
    }
    return id;
  }

  /** Stores one event unless its key is already there; returns whether it was new. */
  function store(key: string, tsMs: number, dim: string, last4: string, ok: boolean,
    input: number, output: number, cached: number, latency: number | null): boolean {
    const dimId = dimOf(dim, last4);
    params[1] = key;
    params[2] = tsMs;
    params[3] = dimId;
    params[4] = ok ? 'ok' : 'error';
    params[5] = input;
    params[6] = output;
    params[7] = cached;
    params[8] = latency;
    if (addEvent.run(params).changes === 0) return false;
    const day = Math.floor(tsMs / DAY_MS);
    days.add(day);
    const quarter = isEdgeDay(day) ? Math.floor(tsMs / QUARTER_MS) : -1;
    if (quarter >= 0) quarters.add(quarter);
    if (ok) {
      daily.add(day, dimId, input, output, cached);
      if (quarter >= 0) edges.add(quarter, dimId, input, output, cached);
    }
    return true;
  }

  return {
    insert(events: readonly KeyedEvent[]): number {
      let inserted = 0;
      for (const { key, event: e } of events) {
        const isNew = store(key, e.tsMs, dimKey(e), e.apiKeyLast4 ?? '', e.status === 'ok', e.inputTokens,
          e.outputTokens, e.cachedInputTokens, e.latencyMs ?? null);
        if (isNew) inserted++;
      }
      return inserted;
    },
    /** The same for events parsed on another thread (see ingest/encoded.ts). */
    insertEncoded({ count, nums, strs }: { count: number; nums: Float64Array; strs: string }): number {
      const texts = strs.split('\u0000');
      let inserted = 0;
      for (let i = 0; i < count; i++) {
        const at = i * 7;
        const latency = nums[at + 5]!;
        const isNew = store(texts[i * 3]!, nums[at]!, texts[i * 3 + 1]!, texts[i * 3 + 2]!, nums[at + 1] === 1,
          nums[at + 2]!, nums[at + 3]!, nums[at + 4]!, Number.isNaN(latency) ? null : latency);
        if (isNew) inserted++;
      }
      return inserted;
    },
    /** Writes what is still held in memory; call before the batch commits. */
    finish(): void {
      daily.flush();
      edges.flush();
      for (const day of days) addDay.run(batchId, day);
      for (const quarter of quarters) addQuarter.run(batchId, quarter);
      days.clear();
      quarters.clear();
    },
  };
}

const DIM_SEPARATOR = '\u0001';

/** The dims of an event as one string: what identifies its usage_dims row. */
export function dimKey(e: UsageEvent): string {
  return [e.apiKeyFp ?? '', e.user ?? '', e.team ?? '', e.project ?? '', e.model, e.tier ?? '', e.environment ?? '',
    canonicalTags(e.tags)].join(DIM_SEPARATOR);
}

/** Tags as JSON with sorted keys, so equal tag sets group together. */
export function canonicalTags(tags: Readonly<Record<string, string>>): string {
  const names = Object.keys(tags);
  if (names.length === 0) return '{}';
  return JSON.stringify(Object.fromEntries(names.sort().map((name) => [name, tags[name]])));
}
