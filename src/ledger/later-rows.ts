import type { MonthRange } from '../domain/month.js';
import { phrases } from './dialect.js';
import type { Ledger } from './engine.js';

/** Rows dated in a month that batches outside a run's hold: what its books do not contain. */
export interface LaterRows {
  batches: number[];
  events: number;
  tokens: bigint;
  billingRecords: number;
  gpuSamples: number;
}

/** What the batches `later` hold inside `range`: events and their tokens, billing records, GPU samples. */
export function laterRows(db: Ledger, later: readonly number[], range: MonthRange): LaterRows {
  const ids = JSON.stringify(later);
  const inLater = phrases(db).inJsonList('batch_id');
  const [events, tokens] = db.prepare(`SELECT COUNT(*), CAST(COALESCE(SUM(input_tokens + output_tokens), 0) AS BIGINT) FROM usage_events
    WHERE ${inLater} AND ts_ms >= ? AND ts_ms < ? AND natural_key NOT LIKE 'c:%'`).raw().safeIntegers(true).get(ids, range.startMs, range.endMs) as [bigint, bigint];
  const count = (sql: string, ...params: number[]) => Number(db.prepare(sql).pluck().get(ids, ...params));
  return {
    batches: [...later],
    events: Number(events),
    tokens,
    // A later billing batch was found by its records in the month's period: all of them count.
    billingRecords: count(`SELECT COUNT(*) FROM billing_records WHERE ${inLater}`),
    gpuSamples: count(`SELECT COUNT(*) FROM gpu_samples WHERE ${inLater} AND ts_ms >= ? AND ts_ms < ?`, range.startMs, range.endMs),
  };
}
