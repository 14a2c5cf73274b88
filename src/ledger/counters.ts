import type { CounterSample } from '../domain/types.js';
import type { Ledger } from './engine.js';

/** What storing one counter sample did: its increase since the series' last sample, if any. */
export type CounterOutcome =
  | { kind: 'stored'; increase: number | null }
  | { kind: 'duplicate' }
  | { kind: 'reject'; reason: string };

/**
 * Stores a batch's counter samples (inside its transaction) and says how much each series
 * grew since its last stored sample, the way Prometheus' increase() counts: a value below
 * the last one is a counter reset, and then the whole new value is the increase. A series'
 * first sample is its baseline (no increase). Samples must come in time order per series:
 * one older than the series' last stored sample is refused, as its increase would change
 * usage already counted.
 */
export function counterLog(db: Ledger, batchId: number) {
  const lastStored = db.prepare('SELECT ts_ms AS "tsMs", value FROM counter_samples WHERE series = ? ORDER BY ts_ms DESC LIMIT 1');
  const storedAt = db.prepare('SELECT value FROM counter_samples WHERE series = ? AND ts_ms = ?').pluck();
  const insert = db.prepare('INSERT INTO counter_samples (series, ts_ms, value, batch_id) VALUES (?, ?, ?, ?)');
  const last = new Map<string, { tsMs: number; value: number }>();
  return (sample: CounterSample): CounterOutcome => {
    const previous = last.get(sample.series) ?? (lastStored.get(sample.series) as { tsMs: number; value: number } | undefined);
    if (previous && sample.tsMs <= previous.tsMs) {
      // A sample already stored (a scrape read again) is a duplicate wherever it falls.
      const same = sample.tsMs === previous.tsMs ? previous.value : (storedAt.get(sample.series, sample.tsMs) as number | undefined);
      if (same === sample.value) return { kind: 'duplicate' };
      if (same !== undefined) return { kind: 'reject', reason: `another value (${same}) is stored for this series at this time` };
      return { kind: 'reject', reason: `older than this series' last sample (${new Date(previous.tsMs).toISOString()}): ingest scrapes in time order` };
    }
    insert.run(sample.series, sample.tsMs, sample.value, batchId);
    last.set(sample.series, { tsMs: sample.tsMs, value: sample.value });
    if (!previous) return { kind: 'stored', increase: null };
    return { kind: 'stored', increase: sample.value >= previous.value ? sample.value - previous.value : sample.value };
  };
}
