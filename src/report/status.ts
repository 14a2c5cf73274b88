import type { SentAlert } from '../ledger/alerts.js';
import type { LedgerStatus } from '../ledger/status.js';
import { grouped, printable } from './cells.js';
import { booksByMonth } from '../domain/books.js';
import { monthRecord, postingAction, postingCell } from './runs.js';
import { fitTable, type Look } from './table.js';
import { asJson, type View } from './view.js';

export interface StatusView {
  path: string;
  /** The ledger's bytes on disk, its write-ahead log included. */
  bytes: number;
  status: LedgerStatus;
}

const size = (bytes: number) => (bytes < 1024 * 1024 ? `${grouped(String(Math.ceil(bytes / 1024)))} KiB` : `${grouped((bytes / 1024 / 1024).toFixed(1))} MiB`);

const monthsOf = (status: LedgerStatus) => booksByMonth(status.runs, status.closed).map((m) => ({ ...monthRecord(m, status.postings), runs: m.runs.length }));

function statusAsTable({ path, bytes, status }: StatusView, look: Look): string {
  const r = status.rows;
  const head = [
    `Ledger ${printable(path)}: ${size(bytes)}, schema version ${status.schemaVersion}`,
    `Holds ${grouped(String(r.usageEvents))} usage events, ${grouped(String(r.billingRecords))} billing records, ` +
      `${grouped(String(r.gpuSamples))} GPU samples, ${grouped(String(r.counterSamples))} counter samples from ${status.batches} batches`,
  ];
  const sources = status.lastBatches.length === 0 ? 'No batches yet: chargeback ingest FILE --source gateway' : `Last batch per source\n${fitTable({
    columns: [{ head: 'source' }, { head: 'batch', align: 'right' }, { head: 'file', shrink: true }, { head: 'stored', align: 'right', drop: 2 }, { head: 'rejected', align: 'right', drop: 3 }, { head: 'finished', drop: 1 }],
    rows: status.lastBatches.map((b) => [b.source, b.id, printable(b.fileName), b.rowsAccepted, b.rowsRejected, b.finishedAt]),
  }, look)}`;
  const months = monthsOf(status);
  const journals = status.postings.some((p) => postingCell(p) !== '');
  const books = months.length === 0 ? 'No runs yet: chargeback compute --month YYYY-MM --rate-card FILE' : `Months\n${fitTable({
    columns: [{ head: 'month' }, { head: 'state' }, { head: 'books run', align: 'right' }, { head: 'runs', align: 'right' }, ...(journals ? [{ head: 'journals', shrink: true }] : [])],
    rows: months.map((m) => [m.month, m.state === 'closed' ? `closed on run ${m.closed_run}` : 'open', m.books_run, m.runs,
      ...(journals ? [postingCell(status.postings.find((p) => p.month === m.month))] : [])]),
  }, look)}`;
  // What needs finance's hand, said first-hand rather than left in a column a narrow terminal drops.
  const todo = status.postings.filter((p) => p.pending || p.unexported).map((p) => `  ${p.month}: ${postingAction(p)}`);
  const action = todo.length === 0 ? [] : [`Months with journals to post\n${todo.join('\n')}`];
  return `${[...head, sources, books, ...action, ...alertsSent(status, look)].join('\n')}\n`;
}

const ALERTS_SHOWN = 10;
const alertName = (a: SentAlert) => (a.kind === 'forecast' ? 'forecast over budget' : `past ${a.threshold}%`);

/** The budget alerts delivered (issue 35), the latest few: what budgets --notify sent, when and where. */
function alertsSent(status: LedgerStatus, look: Look): string[] {
  if (status.alerts.length === 0) return [];
  const shown = status.alerts.slice(-ALERTS_SHOWN);
  const more = status.alerts.length - shown.length;
  return [`Budget alerts sent${more > 0 ? ` (the latest ${shown.length} of ${status.alerts.length})` : ''}\n${fitTable({
    columns: [{ head: 'month' }, { head: 'cost centre' }, { head: 'alert' }, { head: 'sent', drop: 1 }, { head: 'to', shrink: true, drop: 2 }],
    rows: shown.map((a) => [a.month, printable(a.costCentre), alertName(a), a.sentAt, printable(a.target)]),
  }, look)}`];
}

/** `status`: where the ledger is and how big, what it holds, the last batch per source, and each month's books. */
export const STATUS_VIEW: View<StatusView> = {
  table: statusAsTable,
  json: ({ path, bytes, status }) => asJson({
    ledger: path, bytes, schema_version: status.schemaVersion, batches: status.batches,
    rows: { usage_events: status.rows.usageEvents, billing_records: status.rows.billingRecords, gpu_samples: status.rows.gpuSamples, counter_samples: status.rows.counterSamples },
    last_batches: status.lastBatches.map((b) => ({ source: b.source, batch: b.id, file: b.fileName, rows_stored: b.rowsAccepted, rows_rejected: b.rowsRejected, finished_at: b.finishedAt })),
    months: monthsOf(status),
    budget_alerts: status.alerts.map((a) => ({ month: a.month, cost_centre: a.costCentre, kind: a.kind, threshold_pct: a.threshold, sent_at: a.sentAt, target: a.target })),
  }),
};
