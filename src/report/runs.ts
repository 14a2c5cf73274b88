import { booksByMonth, type MonthBooks } from '../domain/books.js';
import type { RunStanding } from '../domain/run.js';
import type { ClosedMonth, RunListing } from '../ledger/runs.js';
import { grouped, printable } from './cells.js';
import type { ExportRecord, PostingStatus } from '../domain/postings.js';
import { fitTable, type Column, type Look } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface RunsView {
  /** The month asked for, or null for every month. */
  month: string | null;
  runs: readonly RunListing[];
  closed: readonly ClosedMonth[];
  /** The journals exported (of the month asked for, or all) and where each month's posting stands. */
  exports: readonly ExportRecord[];
  postings: readonly PostingStatus[];
}

const standingText = (s: RunStanding): string => (s.kind === 'closes' ? 'closes the month' : s.kind === 'adjusts' ? `adjusts run ${s.booksRunId}` : '');

const COLUMNS: Column[] = [
  { head: 'run' },
  { head: 'month' },
  { head: 'created', drop: 3 },
  { head: 'rate card sha256', drop: 1 },
  { head: 'version', drop: 2 },
  { head: 'lines', align: 'right', drop: 4 },
  { head: 'total', align: 'right' },
  { head: 'reconciled' },
  { head: 'books', shrink: true },
];
/** Shown once any journal was exported: before then it would be an empty column. */
const EXPORTED: Column = { head: 'exported', shrink: true, drop: 5 };

const monthsOf = (view: RunsView) => booksByMonth(view.runs, view.closed);

/** A month's books as JSON, shared by `runs` and `status`: with what its journals add up to, and what is pending. */
export const monthRecord = (m: MonthBooks<RunListing>, postings: readonly PostingStatus[]) => {
  const posting = postings.find((p) => p.month === m.month);
  return {
    month: m.month, state: m.closed ? 'closed' : 'open', closed_run: m.closed?.runId ?? null, closed_at: m.closed?.closedAt ?? null, books_run: m.booksRunId,
    posted_run: posting?.postedRunId ?? null, adjustments_pending: posting?.pending ?? false, unexported: posting?.unexported ?? false,
  };
};

const exportRecord = (e: ExportRecord) => ({
  document: e.document, kind: e.kind, base_run: e.baseRunId, period: e.period, file: e.file, sha256: e.sha256, lines: e.lines, exported_at: e.exportedAt,
});

const record = (r: RunListing, exports: readonly ExportRecord[]) => ({
  run: r.id, month: r.month, created_at: r.createdAt, rate_card_sha256: r.rateCardSha256, tool_version: r.toolVersion, lines: r.lines, total: r.total,
  reconciled: r.reconciled, standing: r.standing.kind,
  adjusts_run: r.standing.kind === 'adjusts' ? r.standing.booksRunId : null,
  exports: exports.filter((e) => e.runId === r.id).map(exportRecord),
});

/** A run's exports in a cell: the day and what was posted ("books", "Δ to run 2", "forced"). */
const exportedText = (r: RunListing, exports: readonly ExportRecord[]) => exports.filter((e) => e.runId === r.id)
  .map((e) => `${e.exportedAt.slice(0, 10)} ${e.kind === 'adjustment' ? `Δ to run ${e.baseRunId}` : e.kind}`).join('; ');

/** Where a month's posting stands, in a table cell; '' when nothing was exported of an open month. */
export function postingCell(p: PostingStatus | undefined): string {
  if (!p) return '';
  if (p.unexported) return 'not exported';
  if (p.pending) return `run ${p.latestRunId}'s Δ pending`;
  return p.postedRunId === null ? '' : `posted to run ${p.postedRunId}`;
}

/** What a month's posting asks of finance, with the command that does it; '' when nothing. */
export function postingAction(p: PostingStatus): string {
  if (p.unexported) return `closed, its journal not exported: export erp -m ${p.month}`;
  if (p.pending) return `run ${p.latestRunId}'s differences from run ${p.postedRunId} not posted: export erp -m ${p.month} --adjustments`;
  return '';
}

function runsAsTable(view: RunsView, look: Look): string {
  const exported = view.exports.length > 0;
  const table = fitTable({
    columns: exported ? [...COLUMNS, EXPORTED] : COLUMNS,
    rows: view.runs.map((r) => [r.id, r.month, r.createdAt, r.rateCardSha256.slice(0, 12), r.toolVersion ?? '', r.lines, grouped(r.total),
      r.reconciled ? 'yes' : { text: 'NO', style: 'red' }, standingText(r.standing), ...(exported ? [exportedText(r, view.exports)] : [])]),
  }, look);
  const months = monthsOf(view);
  const state = (m: (typeof months)[number]) => (m.closed ? `closed on run ${m.closed.runId}` : `open; books: run ${m.booksRunId}`);
  const posting = (month: string) => postingCell(view.postings.find((p) => p.month === month));
  if (view.month !== null) {
    const only = months[0];
    const found = view.postings.find((p) => p.month === view.month);
    const said = [only?.closed ? state(only) : '', found ? postingAction(found) || postingCell(found) : ''].filter((t) => t !== '').join('; ');
    return `Runs ${view.month}${said ? ` (${printable(said)})` : ''}\n${table}\n`;
  }
  const journals = months.some((m) => posting(m.month) !== '');
  const summary = fitTable({
    columns: [{ head: 'month' }, { head: 'runs', align: 'right' }, { head: 'state', shrink: true }, ...(journals ? [{ head: 'journals', shrink: true }] : [])],
    rows: months.map((m) => [m.month, m.runs.length, `${state(m)}${m.closed ? ` at ${m.closed.closedAt}` : ''}`, ...(journals ? [posting(m.month)] : [])]),
  }, look);
  return `Months\n${summary}\nRuns (every month)\n${table}\n`;
}

/** `runs`: every month's runs, which one is the books, and whether the month is closed. */
export const RUNS_VIEW: View<RunsView> = {
  table: runsAsTable,
  json: (view) => asJson({
    months: monthsOf(view).map((m) => ({ ...monthRecord(m, view.postings), runs: m.runs.map((r) => record(r, view.exports)) })),
  }),
  csv: (view) => asCsv(['run', 'month', 'created_at', 'rate_card_sha256', 'tool_version', 'lines', 'total', 'reconciled', 'standing', 'adjusts_run', 'exported'],
    view.runs.map((r) => {
      const { exports: _, ...row } = record(r, view.exports);
      return [...Object.values(row), exportedText(r, view.exports)];
    })),
};
