import type { BillingRecord, GpuSample } from '../domain/types.js';
import { insertGpuSamples } from './gpu.js';
import { isSqlite, type Ledger } from './engine.js';
import { asPg } from './postgresql/engine.js';
import { beginPgBatch, pgUsageWriter } from './postgresql/usage-writer.js';
import type { EncodedEvents } from './event-codec.js';
import { canonicalTags } from '../keys.js';
import { usageWriter, type KeyedEvent } from './usage-writer.js';

export type { KeyedEvent } from './usage-writer.js';

export interface BatchMeta {
  source: string;
  format: string;
  /** The options that changed how the bytes were parsed, as canonical JSON (see parseOptionsKey); none by default. */
  parseOptions?: string;
  /** Other options that changed what was stored (allow-closed), as canonical JSON. */
  flags?: string;
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
  /** The line of the incomplete last record left for the next read, if one was. */
  heldBack?: number | null;
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
  parseOptions: string;
  flags: string;
  heldBack: number | null;
  startedAt: string;
  finishedAt: string;
}


/**
 * One open batch: everything it writes is one transaction, so a crash or kill leaves the
 * ledger as it was. `insert` returns how many events were new (the rest are duplicates).
 */
export interface BatchWriter {
  readonly id: number;
  insert(events: readonly KeyedEvent[]): number;
  /** The same for events parsed on a worker thread. */
  insertEncoded(events: EncodedEvents): number;
  /** Billing records with their natural keys; returns how many were new. */
  insertBilling(records: readonly { key: string; record: BillingRecord }[]): number;
  /** GPU samples, keyed by (host, gpu, time); returns how many were new. */
  insertGpu(samples: readonly GpuSample[]): number;
  /**
   * Stores what the writer still holds and returns how many events it stored that no insert
   * counted (PostgreSQL stores a batch's events as it finishes); 0 when called again.
   */
  settle(): number;
  /** Commits, unless a batch with the same bytes is already there (and `reread` is off): then rolls back and returns it. */
  commit(sha256: string, counts: BatchCounts, finishedAt: string, reread: boolean): BatchRow | null;
  rollback(): void;
}

const BATCH_COLUMNS = `id, source, format, file_name AS "fileName", sha256, rows_read AS "rowsRead",
  rows_accepted AS "rowsAccepted", rows_rejected AS "rowsRejected", rows_duplicate AS "rowsDuplicate",
  ignored_columns AS "ignoredColumns", rejects_file AS "rejectsFile", parse_options AS "parseOptions", flags, held_back AS "heldBack", started_at AS "startedAt",
  finished_at AS "finishedAt"`;

type StoredBatch = Omit<BatchRow, 'ignoredColumns'> & { ignoredColumns: string };

function toBatchRow(row: StoredBatch): BatchRow {
  return { ...row, heldBack: row.heldBack === null ? null : Number(row.heldBack), ignoredColumns: JSON.parse(row.ignoredColumns) as string[] };
}

/**
 * What earlier batches of these exact bytes mean for reading them again: `already` when one
 * read them with the same parsing options and stored rows (a no-op); `retry` when every
 * earlier attempt stored nothing or parsed them otherwise (row keys still stop double
 * counting), with the reason to print; null when the bytes are new.
 */
export type PriorAttempt = { kind: 'already'; batch: BatchRow } | { kind: 'retry'; batch: BatchRow; why: string };

export function priorAttempt(db: Ledger, sha256: string, source: string, parseOptions: string): PriorAttempt | null {
  const rows = (db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE sha256 = ? AND source = ? AND finished_at IS NOT NULL ORDER BY id`)
    .all(sha256, source) as StoredBatch[]).map(toBatchRow);
  const done = rows.find((b) => b.parseOptions === parseOptions && b.rowsAccepted > 0);
  if (done) return { kind: 'already', batch: done };
  const last = rows[rows.length - 1];
  if (!last) return null;
  const why = last.parseOptions === parseOptions
    ? `batch ${last.id} read the same bytes and stored nothing`
    : `batch ${last.id} read the same bytes with other options (${describeOptions(last.parseOptions)})${last.rowsAccepted > 0 ? `; the ${last.rowsAccepted} rows it stored stay` : ' and stored nothing'}`;
  return { kind: 'retry', batch: last, why };
}

/** A batch's parse options as the flags that gave them (`--set` once per value); `omit` leaves some out. */
export function describeOptions(json: string, omit: readonly string[] = []): string {
  const options = Object.entries(JSON.parse(json) as Record<string, unknown>).filter(([k]) => !omit.includes(k));
  const flag = ([k, v]: [string, unknown]) => (k === 'set' && Array.isArray(v) ? v.map((s) => `--set ${String(s)}`).join(' ') : v === true ? `--${k}` : `--${k} ${Array.isArray(v) ? v.join(',') : String(v)}`);
  return options.length === 0 ? 'none' : options.map(flag).join(' ');
}

/** Whether a committed batch of `fileName` wrote its rejects to `path`. */
export function wroteRejects(db: Ledger, path: string, fileName: string): boolean {
  return db.prepare('SELECT 1 FROM batches WHERE rejects_file = ? AND file_name = ? AND finished_at IS NOT NULL LIMIT 1').get(path, fileName) !== undefined;
}

/** Every committed batch, oldest first. */
export function listBatches(db: Ledger): BatchRow[] {
  const rows = db.prepare(`SELECT ${BATCH_COLUMNS} FROM batches WHERE finished_at IS NOT NULL ORDER BY id`).all();
  return (rows as StoredBatch[]).map(toBatchRow);
}

/**
 * Opens a batch in one transaction. On SQLite it holds the write lock (BEGIN IMMEDIATE): a
 * second writer waits for this one to finish. On PostgreSQL batches from several hosts run
 * side by side, and row keys keep each row once (postgresql/usage-writer.ts).
 */
export function beginBatch(db: Ledger, meta: BatchMeta, keyHash?: (key: string) => number): BatchWriter {
  if (isSqlite(db)) db.exec('BEGIN IMMEDIATE');
  else beginPgBatch(asPg(db), new Date(meta.startedAt));
  try {
    const id = db.prepare('INSERT INTO batches (source, format, file_name, sha256, parse_options, flags, started_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id')
      .pluck().get(meta.source, meta.format, meta.fileName, '', meta.parseOptions ?? '{}', meta.flags ?? '{}', meta.startedAt) as number;
    const usage = isSqlite(db) ? usageWriter(db.db, id, keyHash) : pgUsageWriter(asPg(db), id);
    const addBilling = db.prepare(`INSERT INTO billing_records (batch_id, natural_key, period_start_ms,
      period_end_ms, billed_cost, effective_cost, list_cost, currency, provider, service, resource_id, sku,
      charge_category, tags, line_id, billing_period_start_ms, billing_period_end_ms, account, subscription, project, resource_group, commitment, model, commitment_id)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO NOTHING`);
    const finish = db.prepare(`UPDATE batches SET sha256 = ?, rows_read = ?, rows_accepted = ?, rows_rejected = ?,
      rows_duplicate = ?, ignored_columns = ?, rejects_file = ?, held_back = ?, finished_at = ? WHERE id = ?`);
    const rollback = () => {
      if (db.inTransaction) db.exec('ROLLBACK');
    };
    let settled = false;
    const settle = () => {
      if (settled) return 0;
      settled = true;
      return usage.finish();
    };
    return {
      id,
      insert: (events) => usage.insert(events),
      insertEncoded: (events) => usage.insertEncoded(events),
      insertGpu: (samples) => insertGpuSamples(db, id, samples),
      insertBilling(records) {
        let inserted = 0;
        for (const { key, record: r } of records) {
          inserted += addBilling.run(id, key, r.periodStartMs, r.periodEndMs, r.billedCost.toFixed(), r.effectiveCost.toFixed(),
            r.listCost?.toFixed() ?? null, r.currency, r.provider, r.service, r.resourceId ?? null, r.sku ?? null,
            r.chargeCategory, canonicalTags(r.tags), r.lineId ?? null, r.billingPeriodStartMs ?? null, r.billingPeriodEndMs ?? null,
            r.account ?? null, r.subscription ?? null, r.project ?? null, r.resourceGroup ?? null, r.commitment ?? null, r.model ?? null,
            r.commitmentId ?? null).changes;
        }
        return inserted;
      },
      settle,
      commit(sha256, counts, finishedAt, reread) {
        // Another process may have committed the same bytes meanwhile (stdin is hashed only now);
        // and bytes seen before that store nothing now add no batch (a header-only file re-read by cron).
        const earlier = priorAttempt(db, sha256, meta.source, meta.parseOptions ?? '{}');
        if ((earlier?.kind === 'already' && !reread) || (earlier !== null && counts.accepted === 0)) {
          rollback();
          return earlier.batch;
        }
        settle();
        finish.run(sha256, counts.read, counts.accepted, counts.rejected, counts.duplicate,
          JSON.stringify(counts.ignoredColumns), counts.rejectsFile, counts.heldBack ?? null, finishedAt, id);
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


/**
 * How many rows each batch still has in the ledger, across events, billing records, GPU and
 * counter samples. Usage derived from counter samples (keys `c:…`) is not a row read: its
 * samples are.
 */
export function storedRowsByBatch(db: Ledger): Map<number, number> {
  const rows = db.prepare(`SELECT batch_id AS id, COUNT(*) AS n FROM (
      SELECT batch_id FROM usage_events WHERE natural_key NOT LIKE 'c:%' UNION ALL SELECT batch_id FROM billing_records
      UNION ALL SELECT batch_id FROM gpu_samples UNION ALL SELECT batch_id FROM counter_samples
    ) AS stored GROUP BY batch_id`).all() as { id: number; n: number }[];
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** When each source's latest committed batch finished, as UTC milliseconds (issue 35's metrics). */
export function lastIngests(db: Ledger): Map<string, number> {
  const rows = db.prepare('SELECT source, MAX(finished_at) FROM batches WHERE finished_at IS NOT NULL GROUP BY source').raw().all() as [string, string][];
  return new Map(rows.map(([source, finished]) => [source, Date.parse(finished)]));
}
