import type { Period } from '../domain/month.js';
import type { StoredRun } from '../domain/run.js';
import { laterRows, type LaterRows } from '../ledger/later-rows.js';
import type { Ledger } from '../ledger/open.js';
import { scratchReplica } from '../ledger/replica.js';
import { findRun, latestRunId } from '../ledger/runs.js';
import { batchesRead, centresUsage, gpuSummaryOf, storedCentresUsage } from './month-inputs.js';
import type { Anomaly } from '../domain/anomalies.js';
import { DEFAULT_MAX_GAP_MS, type GpuSummaryRow } from '../domain/gpu.js';
import type { CentreUsage } from '../domain/showback.js';
import type { RateCard } from '../domain/types.js';
import { inSnapshot } from '../ledger/open.js';

/**
 * What a view of a stored run reads (issue 28): exactly the batches the run read, so that
 * every breakdown adds up to the run's lines, whatever was ingested since. While the month
 * holds no other batch that is the ledger itself; otherwise a replica of the run's batches
 * in a temporary SQLite file, made the way `runs --verify` makes it, and a note of what the
 * later batches hold. `done` closes the replica and removes it.
 */
export interface BooksSource {
  ledger: Ledger;
  /** One line saying what later data the run does not hold, or null. */
  note: string | null;
  done(): void;
}

export function booksSource(ledger: Ledger, run: StoredRun, period: Period): BooksSource {
  const note = laterNote(ledger, run, period);
  if (note === null) return { ledger, note: null, done: () => undefined };
  const replica = scratchReplica(ledger, run.batchIds);
  return { ledger: replica.ledger, note, done: replica.discard };
}

/** What the month holds that run `run` does not, in one line; null when it holds only the run's batches. */
export function laterNote(ledger: Ledger, run: StoredRun, period: Period): string | null {
  const own = new Set(run.batchIds);
  const now = batchesRead(ledger, period).all;
  const later = now.filter((id) => !own.has(id));
  if (later.length === 0 && now.length === own.size) return null;
  const rows = laterRows(ledger, later, period.range);
  const latest = findRun(ledger, run.month, latestRunId(ledger, run.month));
  const holder = latest && latest.id > run.id && later.every((id) => latest.batchIds.includes(id)) ? latest.id : null;
  return noteOf(run, rows, holder);
}

/** "12 later rows, 52 tokens, not in these books: run 3 holds them (--run 3)", or "compute again". */
function noteOf(run: StoredRun, rows: LaterRows, holder: number | null): string {
  const parts = [
    rows.events > 0 ? `${rows.events} later request row${rows.events === 1 ? '' : 's'}, ${rows.tokens} tokens` : '',
    rows.billingRecords > 0 ? `${rows.billingRecords} later billing record${rows.billingRecords === 1 ? '' : 's'}` : '',
    rows.gpuSamples > 0 ? `${rows.gpuSamples} later GPU sample${rows.gpuSamples === 1 ? '' : 's'}` : '',
  ].filter((p) => p !== '');
  const what = parts.length > 0 ? parts.join(', ') : `batches ${rows.batches.join(', ')}`;
  const where = holder !== null ? `run ${holder} holds them (--run ${holder})` : `compute ${run.month} again to include them`;
  return `note: run ${run.id} reads only its own ${run.batchIds.length} batch${run.batchIds.length === 1 ? '' : 'es'}: ${what} of ${run.month} are not in these books; ${where}`;
}

/** Reads `source`'s ledger, then closes it and the live one, whatever happens. */
export function readingBooks<T>(source: BooksSource, live: Ledger, read: (ledger: Ledger) => T): T {
  try {
    return read(source.ledger);
  } finally {
    source.done();
    live.close();
  }
}

/**
 * What a view shows behind a run's lines, and what later data the run does not hold: as the
 * run stored it (issue 30), reading no event; else read from the run's own batches (issue
 * 28), so every breakdown still adds up to its line. `forReport` also asks for the month's
 * anomalies and GPU summary, keeping that many users per centre. Closes `ledger`.
 */
export function usageBehind(ledger: Ledger, run: StoredRun, card: RateCard, period: Period, centres: readonly string[],
  { tagName, forReport }: { tagName: string | null; forReport?: number }): { usage: Map<string, CentreUsage>; anomalies: readonly Anomaly[]; gpu: readonly GpuSummaryRow[]; note: string | null } {
  const stored = storedCentresUsage(run, card, centres, tagName, forReport);
  if (stored && run.views) {
    const note = laterNote(ledger, run, period);
    ledger.close();
    return { usage: stored, anomalies: run.views.anomalies, gpu: run.views.gpu, note };
  }
  const books = booksSource(ledger, run, period);
  const read = readingBooks(books, ledger, (source) => inSnapshot(source, () => {
    const { usage, anomalies } = centresUsage(source, card, period, run.lines, centres, { ...(tagName === null ? {} : { tagName }), ...(forReport === undefined ? {} : { topIdentities: forReport }) });
    return forReport === undefined ? { usage, anomalies: [], gpu: [] }
      : { usage, anomalies: anomalies(), gpu: gpuSummaryOf(source, period.range, run.maxGapMs ?? DEFAULT_MAX_GAP_MS, card) };
  }));
  return { ...read, note: books.note };
}
