import type { UsageEvent } from '../domain/types.js';
import type { Ledger } from './open.js';

export interface BatchMeta {
  source: string;
  format: string;
  fileName: string;
  startedAt: string;
}

export interface BatchCounts {
  read: number;
  accepted: number;
  rejected: number;
  duplicate: number;
  ignoredColumns: readonly string[];
  rejectsFile: string | null;
}

/** A committed batch as the audit trail shows it. */
export interface BatchRow {
  id: number;
  source: string;
  format: string;
  fileName: string;
  sha256: string;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  ignoredColumns: string[];
  rejectsFile: string | null;
  startedAt: string;
  finishedAt: string;
}

/** An event with the natural key that makes re-ingest idempotent (SPEC §3). */
export interface KeyedEvent {
  key: string;
  event: UsageEvent;
}

/**
 * One open batch: everything it writes is one transaction, so a crash or kill leaves the
 * ledger as it was. `insert` returns how many events were new (the rest are duplicates).
 */
export interface BatchWriter {
  readonly id: number;
  insert(events: readonly KeyedEvent[]): number;
  /** Commits, unless a batch with the same bytes is already there: then rolls back and returns it. */
  commit(sha256: string, counts: BatchCounts, finishedAt: string): BatchRow | null;
  rollback(): void;
}

const BATCH_COLUMNS = `id, source, format, file_name AS fileName, sha256, rows_read AS rowsRead,
  rows_accepted AS rowsAccepted, rows_rejected AS rowsRejected, rows_duplicate AS rowsDuplicate,
  ignored_columns AS ignoredColumns, rejects_file AS rejectsFile, started_at AS startedAt, finished_at AS finishedAt`;

type StoredBatch = Omit<BatchRow, 'ignoredColumns'> & { ignoredColumns: string };

function toBatchRow(row: StoredBatch): BatchRow {
  return { ...row, ignoredColumns: JSON.parse(row.ignoredColumns) as string[] };
}

/** The committed batch that ingested these exact bytes for this source, if any. */
export function findBatchByContent(db: Ledger, sha256: string, source: string): BatchRow | null {
  const row = db
    .prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE sha256 = ? AND source = ? AND finished_at IS NOT NULL ORDER BY id LIMIT 1`)
    .get(sha256, source) as StoredBatch | undefined;
  return row ? toBatchRow(row) : null;
}

/** Every committed batch, oldest first. */
export function listBatches(db: Ledger): BatchRow[] {
  const rows = db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE finished_at IS NOT NULL ORDER BY id`).all();
  return (rows as StoredBatch[]).map(toBatchRow);
}

/**
 * Opens a batch under the ledger's write lock (BEGIN IMMEDIATE): a second writer waits for
 * this one to finish rather than interleaving with it.
 */
export function beginBatch(db: Ledger, meta: BatchMeta): BatchWriter {
  db.exec('BEGIN IMMEDIATE');
  try {
    const { lastInsertRowid } = db
      .prepare('INSERT INTO batches (source, format, file_name, sha256, started_at) VALUES (?, ?, ?, ?, ?)')
      .run(meta.source, meta.format, meta.fileName, '', meta.startedAt);
    const id = Number(lastInsertRowid);
    // One prepared statement and one reused parameter array: measured faster here than
    // multi-row VALUES, which better-sqlite3 binds slowly.
    const insertEvent = db.prepare(insertEventSql());
    const params: unknown[] = new Array(EVENT_COLUMNS);
    const finish = db.prepare(`UPDATE batches SET sha256 = ?, rows_read = ?, rows_accepted = ?, rows_rejected = ?,
      rows_duplicate = ?, ignored_columns = ?, rejects_file = ?, finished_at = ? WHERE id = ?`);
    const rollback = () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    };
    return {
      id,
      insert(events) {
        let inserted = 0;
        for (const event of events) {
          bindEvent(params, id, event);
          inserted += insertEvent.run(params).changes;
        }
        return inserted;
      },
      commit(sha256, counts, finishedAt) {
        const earlier = findBatchByContent(db, sha256, meta.source);
        if (earlier) {
          rollback();
          return earlier;
        }
        finish.run(sha256, counts.read, counts.accepted, counts.rejected, counts.duplicate,
          JSON.stringify(counts.ignoredColumns), counts.rejectsFile, finishedAt, id);
        db.exec('COMMIT');
        return null;
      },
      rollback,
    };
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

const EVENT_COLUMNS = 18;

function insertEventSql(): string {
  return `INSERT OR IGNORE INTO usage_events (batch_id, natural_key, ts_ms, request_id, api_key_fp, api_key_last4,
    user_name, team, project, model, input_tokens, output_tokens, cached_input_tokens, latency_ms, status, tier,
    environment, tags) VALUES (${new Array(EVENT_COLUMNS).fill('?').join(', ')})`;
}

/** Writes one event's column values into `params`, in the order of insertEventSql. */
function bindEvent(params: unknown[], batchId: number, { key, event: e }: KeyedEvent): void {
  const at = 0;
  params[at] = batchId;
  params[at + 1] = key;
  params[at + 2] = e.tsMs;
  params[at + 3] = e.requestId ?? null;
  params[at + 4] = e.apiKeyFp ?? null;
  params[at + 5] = e.apiKeyLast4 ?? null;
  params[at + 6] = e.user ?? null;
  params[at + 7] = e.team ?? null;
  params[at + 8] = e.project ?? null;
  params[at + 9] = e.model;
  params[at + 10] = e.inputTokens;
  params[at + 11] = e.outputTokens;
  params[at + 12] = e.cachedInputTokens;
  params[at + 13] = e.latencyMs ?? null;
  params[at + 14] = e.status;
  params[at + 15] = e.tier ?? null;
  params[at + 16] = e.environment ?? null;
  params[at + 17] = canonicalTags(e.tags);
}

/** Tags as JSON with sorted keys, so equal tag sets group together. */
export function canonicalTags(tags: Readonly<Record<string, string>>): string {
  const names = Object.keys(tags);
  if (names.length === 0) return '{}';
  return JSON.stringify(Object.fromEntries(names.sort().map((name) => [name, tags[name]])));
}
