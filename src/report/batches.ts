import type { BatchRow } from '../ledger/batches.js';
import { describeOptions } from '../ledger/batches.js';
import { printable } from './cells.js';
import { fitTable, type Column, type Look } from './table.js';
import { asCsv, asJson, type View } from './view.js';

/** A narrow terminal loses the hash first, then the options, the finish time, duplicates, the format and rows read. */
const COLUMNS: Column[] = [
  { head: 'batch' },
  { head: 'source' },
  { head: 'format', drop: 5 },
  { head: 'options', drop: 2, shrink: true },
  { head: 'file', shrink: true },
  { head: 'sha256', drop: 1 },
  { head: 'read', align: 'right', drop: 6 },
  { head: 'stored', align: 'right' },
  { head: 'duplicate', align: 'right', drop: 4 },
  { head: 'rejected', align: 'right' },
  { head: 'finished', drop: 3 },
];

/** Every option that changed what the batch stored: its parse options and its flags (--allow-closed). */
const allOptions = (b: BatchRow): Record<string, unknown> => ({ ...(JSON.parse(b.parseOptions) as Record<string, unknown>), ...(JSON.parse(b.flags) as Record<string, unknown>) });

const optionsOf = (b: BatchRow): string => {
  const options = describeOptions(JSON.stringify(allOptions(b)), ['format']);
  return options === 'none' ? '' : options;
};

const HEADER = ['batch', 'source', 'format', 'options', 'file', 'sha256', 'rows_read', 'rows_stored', 'rows_duplicate', 'rows_rejected',
  'ignored_columns', 'rejects_file', 'started_at', 'finished_at', 'held_back_line'] as const;

const record = (b: BatchRow) => ({
  batch: b.id, source: b.source, format: b.format, options: allOptions(b), file: b.fileName, sha256: b.sha256,
  rows_read: b.rowsRead, rows_stored: b.rowsAccepted, rows_duplicate: b.rowsDuplicate, rows_rejected: b.rowsRejected,
  ignored_columns: b.ignoredColumns, rejects_file: b.rejectsFile, started_at: b.startedAt, finished_at: b.finishedAt, held_back_line: b.heldBack,
});

/** `batches`: the ingest audit trail, one row per committed batch. */
export const BATCHES_VIEW: View<readonly BatchRow[]> = {
  table: (batches, look: Look) => `${fitTable({
    columns: COLUMNS,
    rows: batches.map((b) => [b.id, b.source, b.format, printable(optionsOf(b)), printable(b.fileName), b.sha256.slice(0, 12), b.rowsRead,
      b.rowsAccepted, b.rowsDuplicate, b.rowsRejected, b.finishedAt]),
  }, look)}\n`,
  json: (batches) => asJson(batches.map(record)),
  csv: (batches) => asCsv(HEADER, batches.map((b) => {
    const r = record(b);
    return HEADER.map((k) => (k === 'ignored_columns' ? r.ignored_columns.join(' ') : k === 'options' ? optionsOf(b) : r[k]));
  })),
};

/** One batch recounted by `batches --verify`: the rows it recorded against the rows the ledger holds now. */
export interface BatchCheck {
  batch: number;
  file: string;
  recorded: number;
  stored: number;
}

export const BATCH_CHECK_VIEW: View<readonly BatchCheck[]> = {
  table: (checks) => checks.map((c) => `batch ${c.batch} ${printable(c.file)}: recorded ${c.recorded} stored, ${c.stored} in the ledger${c.stored === c.recorded ? ': ok' : ': MISMATCH'}\n`).join(''),
  json: (checks) => asJson(checks.map((c) => ({ ...c, ok: c.stored === c.recorded }))),
  csv: (checks) => asCsv(['batch', 'file', 'recorded', 'stored', 'ok'], checks.map((c) => [c.batch, c.file, c.recorded, c.stored, c.stored === c.recorded])),
};
