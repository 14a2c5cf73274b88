import { listBatches, type BatchRow } from './batches.js';
import { existsSync, statSync } from 'node:fs';
import { isSqlite, type Ledger } from './engine.js';
import { closedMonths, listRuns, type ClosedMonth, type RunListing } from './runs.js';
import { listExports, postingStatuses } from './exports.js';
import type { ExportRecord, PostingStatus } from '../domain/postings.js';
import { sentAlerts, type SentAlert } from './alerts.js';

/** What `chargeback status` reports of a ledger: its schema, what it holds, and its books. */
export interface LedgerStatus {
  schemaVersion: number;
  /** Bytes on disk: the file and its write-ahead log, or the PostgreSQL database. */
  bytes: number;
  batches: number;
  /** The latest committed batch of each source, by source name. */
  lastBatches: BatchRow[];
  rows: { usageEvents: number; billingRecords: number; gpuSamples: number; counterSamples: number };
  runs: RunListing[];
  closed: ClosedMonth[];
  /** Every journal exported, oldest first, and where each month's posting stands. */
  exports: ExportRecord[];
  postings: PostingStatus[];
  /** Every budget alert delivered (issue 35), oldest first. */
  alerts: SentAlert[];
}

const count = (db: Ledger, table: string): number => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

function bytesOf(db: Ledger): number {
  if (!isSqlite(db)) return Number(db.prepare('SELECT pg_database_size(current_database())').pluck().get());
  return [db.name, `${db.name}-wal`].filter((p) => existsSync(p)).reduce((total, p) => total + statSync(p).size, 0);
}

export function ledgerStatus(db: Ledger): LedgerStatus {
  const batches = listBatches(db);
  const last = new Map<string, BatchRow>();
  for (const batch of batches) last.set(batch.source, batch);
  return {
    schemaVersion: db.schemaVersion(),
    bytes: bytesOf(db),
    batches: batches.length,
    lastBatches: [...last.values()].sort((a, b) => (a.source < b.source ? -1 : 1)),
    rows: {
      usageEvents: count(db, 'usage_events'),
      billingRecords: count(db, 'billing_records'),
      gpuSamples: count(db, 'gpu_samples'),
      counterSamples: count(db, 'counter_samples'),
    },
    runs: listRuns(db, null),
    closed: closedMonths(db),
    exports: listExports(db),
    postings: postingStatuses(db),
    alerts: sentAlerts(db),
  };
}
