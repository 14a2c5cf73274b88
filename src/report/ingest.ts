import type { PullOutcome } from '../ingest/pipeline.js';
import { printable } from './cells.js';
import { asJson, type View } from './view.js';

/** What one ingested file (or one pull) did, with the `--host` it was read with, if any. */
export interface IngestResult {
  outcome: PullOutcome;
  host: string | null;
}

/** One line per file, so that a cron log tells what each run did. */
export function summaryLine(outcome: PullOutcome): string {
  if (outcome.kind === 'nothing-new') {
    return `${outcome.source}: nothing new${outcome.since ? ` since ${outcome.since.startTime} (request ${outcome.since.requestId})` : ': the spend log is empty'}`;
  }
  if (outcome.kind === 'already') {
    return `${outcome.file}: already ingested as batch ${outcome.batch.id} (same bytes and options, sha256 ${outcome.batch.sha256.slice(0, 12)}); nothing to do`;
  }
  const parts = [
    `${outcome.file}: ${outcome.unchangedSince === null ? `batch ${outcome.batchId}` : `no batch added (nothing new since batch ${outcome.unchangedSince} read the same bytes)`} (${outcome.format}): ${outcome.read} rows read`,
    `${outcome.accepted} stored`,
    `${outcome.duplicate} duplicate`,
    `${outcome.rejected} rejected${outcome.rejectsFile ? ` (see ${outcome.rejectsFile})` : ''}`,
  ];
  const ignored = outcome.ignoredColumns.length > 0 ? `; ignored columns: ${outcome.ignoredColumns.join(', ')}` : '';
  const reread = outcome.reread && outcome.unchangedSince === null ? ` (${outcome.reread})` : '';
  const classes = outcome.classes.length > 0 ? `; token classes: ${outcome.classes.join(', ')}` : '';
  const held = outcome.heldBack ? `; last line incomplete (line ${outcome.heldBack.line}): left for the next read (--complete if the file is whole)` : '';
  return parts.join(', ') + classes + ignored + reread + held;
}

function record({ outcome: o, host }: IngestResult) {
  if (o.kind === 'nothing-new') return { file: o.source, outcome: 'nothing-new', batch: null, since: o.since?.startTime ?? null };
  if (o.kind === 'already') return { file: o.file, outcome: 'already', batch: o.batch.id, sha256: o.batch.sha256 };
  return {
    file: o.file, outcome: o.unchangedSince === null ? 'stored' : 'unchanged', batch: o.batchId, format: o.format, rows_read: o.read, rows_stored: o.accepted, rows_duplicate: o.duplicate,
    rows_rejected: o.rejected, rejects_file: o.rejectsFile, ignored_columns: o.ignoredColumns, reread: o.reread, host,
    held_back_line: o.heldBack?.line ?? null,
    token_classes: o.classes,
  };
}

/** `ingest`'s report: a line per file for people and cron logs, or one JSON array for programs. */
export const INGEST_VIEW: View<readonly IngestResult[]> = {
  table: (results) => results.map((r) => `${printable(summaryLine(r.outcome))}${r.host && r.outcome.kind === 'stored' ? `; host ${r.host} (--host)` : ''}\n`).join(''),
  json: (results) => asJson(results.map(record)),
};
