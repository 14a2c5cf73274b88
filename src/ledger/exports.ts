import { postingStatus, type ExportRecord, type MonthPostings, type PostingStatus } from '../domain/postings.js';
import type { Ledger } from './engine.js';
import { closedMonth, findRun } from './runs.js';

export type { ExportRecord } from '../domain/postings.js';

const COLUMNS = `month, run_id AS "runId", base_run_id AS "baseRunId", document, kind, period, file, sha256, lines, exported_at AS "exportedAt"`;

/** Records one written journal (issue 28). */
export function recordExport(db: Ledger, record: ExportRecord): void {
  db.prepare(`INSERT INTO exports (month, run_id, base_run_id, document, kind, period, file, sha256, lines, exported_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(record.month, record.runId, record.baseRunId, record.document, record.kind, record.period, record.file, record.sha256, record.lines, record.exportedAt);
}

/** Every recorded journal, or one month's, oldest first. */
export function listExports(db: Ledger, month: string | null = null): ExportRecord[] {
  const rows = db.prepare(`SELECT ${COLUMNS} FROM exports WHERE CAST(? AS TEXT) IS NULL OR month = ? ORDER BY id`).all(month, month) as ExportRecord[];
  return rows.map((r) => ({ ...r, runId: Number(r.runId), baseRunId: r.baseRunId === null ? null : Number(r.baseRunId), lines: Number(r.lines) }));
}

/** What the posting planner needs of a month: its runs, its close and its exports. */
export function monthPostings(db: Ledger, month: string): MonthPostings {
  const runIds = (db.prepare('SELECT id FROM runs WHERE month = ? ORDER BY id').pluck().all(month) as (number | bigint)[]).map(Number);
  return { month, runIds, closedRunId: closedMonth(db, month)?.runId ?? null, exports: listExports(db, month) };
}

/** A run's lines by id, read once each: what the planner's entries and status compare. */
export function runLinesReader(db: Ledger, month: string) {
  const cache = new Map<number, ReturnType<typeof findRun>>();
  return (runId: number) => {
    if (!cache.has(runId)) cache.set(runId, findRun(db, month, runId));
    return cache.get(runId)?.lines ?? [];
  };
}

/** Where every month with runs stands in posting: what its journals add up to, what is pending or unexported. */
export function postingStatuses(db: Ledger): PostingStatus[] {
  const months = db.prepare('SELECT DISTINCT month FROM runs ORDER BY month').pluck().all() as string[];
  return months.map((month) => postingStatus(monthPostings(db, month), runLinesReader(db, month)));
}
