import { Decimal } from '../domain/money.js';
import { physicalGpu } from '../domain/gpu.js';
import { compareIds } from '../domain/order.js';
import type { MonthRange } from '../domain/month.js';
import type { GpuSample } from '../domain/types.js';
import type { Ledger } from './engine.js';

/** Stores samples in the open batch; a (host, gpu, time) already there is a duplicate. Returns how many were new. */
export function insertGpuSamples(db: Ledger, batchId: number, samples: readonly GpuSample[]): number {
  const add = db.prepare(`INSERT INTO gpu_samples (host, gpu, ts_ms, batch_id, util_pct, mem_used_mib, namespace,
    pod, container, share, length_ms, profile, energy_mj, power_w) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`);
  let inserted = 0;
  for (const s of samples) {
    inserted += add.run(s.host, s.gpu, s.tsMs, batchId, s.utilPct?.toFixed() ?? null, s.memUsedMib?.toFixed() ?? null,
      s.namespace ?? null, s.pod ?? null, s.container ?? null, s.share?.toFixed() ?? null, s.lengthMs ?? null, s.profile ?? null,
      s.energyMj?.toFixed() ?? null, s.powerW?.toFixed() ?? null).changes;
  }
  return inserted;
}

const GPUS_OF_MONTH = 'SELECT DISTINCT host, gpu FROM gpu_samples WHERE ts_ms >= ? AND ts_ms < ?';

/** The batches whose samples a month reads: every batch with a sample of a GPU seen in the month. */
export function gpuBatchesOfMonth(db: Ledger, range: MonthRange): number[] {
  return db.prepare(`SELECT DISTINCT batch_id FROM gpu_samples WHERE (host, gpu) IN (${GPUS_OF_MONTH})`).pluck()
    .all(range.startMs, range.endMs) as number[];
}

/**
 * Every sample of each GPU that has a sample in the month, grouped per GPU in time order: a
 * GPU's intervals and its last sample's median depend on all of its samples (SPEC §8.7).
 * Each GPU's samples are read along the primary key, so nothing is sorted; values come as
 * one shared Decimal per distinct text (a month repeats a few hundred values).
 */
export function* gpuSamplesOfMonth(db: Ledger, range: MonthRange): Generator<GpuSample[]> {
  // By host, then physical GPU, so a GPU's MIG slices follow it whatever else its id prefixes.
  const gpus = (db.prepare(GPUS_OF_MONTH).raw().all(range.startMs, range.endMs) as [string, string][])
    .sort(([h1, g1], [h2, g2]) => compareIds(h1, h2) || compareIds(physicalGpu(g1), physicalGpu(g2)) || compareIds(g1, g2));
  const samplesOf = db.prepare(`SELECT ts_ms, util_pct, mem_used_mib, namespace, pod, container, share, length_ms, profile, energy_mj, power_w FROM gpu_samples
    WHERE host = ? AND gpu = ? ORDER BY ts_ms`).raw();
  const decimal = decimals();
  for (const [host, gpu] of gpus) {
    const rows = samplesOf.all(host, gpu) as [number, string | null, string | null, string | null, string | null, string | null, string | null, number | null, string | null, string | null, string | null][];
    yield rows.map(([tsMs, util, mem, namespace, pod, container, share, lengthMs, profile, energy, power]) => ({
      tsMs,
      host,
      gpu,
      utilPct: decimal(util),
      memUsedMib: decimal(mem),
      ...(namespace === null ? {} : { namespace }),
      ...(pod === null ? {} : { pod }),
      ...(container === null ? {} : { container }),
      ...(share === null ? {} : { share: decimal(share)! }),
      ...(lengthMs === null ? {} : { lengthMs }),
      ...(profile === null ? {} : { profile }),
      ...(energy === null ? {} : { energyMj: decimal(energy)! }),
      ...(power === null ? {} : { powerW: decimal(power)! }),
    }));
  }
}

/** Decimal of a stored value, one instance per text (they are immutable); null stays null. */
function decimals(): (text: string | null) => Decimal | null {
  const seen = new Map<string, Decimal>();
  return (text) => {
    if (text === null) return null;
    let value = seen.get(text);
    if (!value) {
      if (seen.size >= 100_000) seen.clear();
      seen.set(text, (value = new Decimal(text)));
    }
    return value;
  };
}
