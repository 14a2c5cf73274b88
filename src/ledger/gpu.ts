import { Decimal } from '../domain/money.js';
import type { MonthRange } from '../domain/month.js';
import type { GpuSample } from '../domain/types.js';
import type { Ledger } from './open.js';

interface SampleRow {
  host: string;
  gpu: string;
  tsMs: number;
  utilPct: string | null;
  memUsedMib: string | null;
  namespace: string | null;
  pod: string | null;
  container: string | null;
}

/** Stores samples in the open batch; a (host, gpu, time) already there is a duplicate. Returns how many were new. */
export function insertGpuSamples(db: Ledger, batchId: number, samples: readonly GpuSample[]): number {
  const add = db.prepare(`INSERT OR IGNORE INTO gpu_samples (host, gpu, ts_ms, batch_id, util_pct, mem_used_mib, namespace,
    pod, container) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  let inserted = 0;
  for (const s of samples) {
    inserted += add.run(s.host, s.gpu, s.tsMs, batchId, s.utilPct?.toFixed() ?? null, s.memUsedMib?.toFixed() ?? null,
      s.namespace ?? null, s.pod ?? null, s.container ?? null).changes;
  }
  return inserted;
}

/**
 * Every sample of each GPU that has a sample in the month, grouped per GPU in time order: a
 * GPU's intervals and its last sample's median depend on all of its samples (SPEC §8.7).
 */
export function* gpuSamplesOfMonth(db: Ledger, range: MonthRange): Generator<GpuSample[]> {
  const rows = db
    .prepare(`SELECT s.host, s.gpu, s.ts_ms AS tsMs, s.util_pct AS utilPct, s.mem_used_mib AS memUsedMib, s.namespace,
        s.pod, s.container
      FROM gpu_samples s
      JOIN (SELECT DISTINCT host, gpu FROM gpu_samples WHERE ts_ms >= ? AND ts_ms < ?) m ON m.host = s.host AND m.gpu = s.gpu
      ORDER BY s.host, s.gpu, s.ts_ms`)
    .iterate(range.startMs, range.endMs) as Iterable<SampleRow>;
  let current: GpuSample[] = [];
  for (const row of rows) {
    const last = current[current.length - 1];
    if (last && (last.host !== row.host || last.gpu !== row.gpu)) {
      yield current;
      current = [];
    }
    current.push({
      tsMs: row.tsMs,
      host: row.host,
      gpu: row.gpu,
      utilPct: row.utilPct === null ? null : new Decimal(row.utilPct),
      memUsedMib: row.memUsedMib === null ? null : new Decimal(row.memUsedMib),
      ...(row.namespace === null ? {} : { namespace: row.namespace }),
      ...(row.pod === null ? {} : { pod: row.pod }),
      ...(row.container === null ? {} : { container: row.container }),
    });
  }
  if (current.length > 0) yield current;
}
