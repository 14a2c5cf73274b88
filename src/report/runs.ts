import { booksByMonth, type MonthBooks } from '../domain/books.js';
import type { RunStanding } from '../domain/run.js';
import type { ClosedMonth, RunListing } from '../ledger/runs.js';
import { grouped } from './cells.js';
import { fitTable, type Column, type Look } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface RunsView {
  /** The month asked for, or null for every month. */
  month: string | null;
  runs: readonly RunListing[];
  closed: readonly ClosedMonth[];
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

const monthsOf = (view: RunsView) => booksByMonth(view.runs, view.closed);

/** A month's books as JSON, shared by `runs` and `status`. */
export const monthRecord = (m: MonthBooks<RunListing>) => ({
  month: m.month, state: m.closed ? 'closed' : 'open', closed_run: m.closed?.runId ?? null, closed_at: m.closed?.closedAt ?? null, books_run: m.booksRunId,
});

const record = (r: RunListing) => ({
  run: r.id, month: r.month, created_at: r.createdAt, rate_card_sha256: r.rateCardSha256, tool_version: r.toolVersion, lines: r.lines, total: r.total,
  reconciled: r.reconciled, standing: r.standing.kind,
  adjusts_run: r.standing.kind === 'adjusts' ? r.standing.booksRunId : null,
});

function runsAsTable(view: RunsView, look: Look): string {
  const table = fitTable({
    columns: COLUMNS,
    rows: view.runs.map((r) => [r.id, r.month, r.createdAt, r.rateCardSha256.slice(0, 12), r.toolVersion ?? '', r.lines, grouped(r.total),
      r.reconciled ? 'yes' : { text: 'NO', style: 'red' }, standingText(r.standing)]),
  }, look);
  const months = monthsOf(view);
  const state = (m: (typeof months)[number]) => (m.closed ? `closed on run ${m.closed.runId}` : `open; books: run ${m.booksRunId}`);
  if (view.month !== null) {
    const only = months[0];
    return `Runs ${view.month}${only?.closed ? ` (${state(only)})` : ''}\n${table}\n`;
  }
  const summary = fitTable({
    columns: [{ head: 'month' }, { head: 'runs', align: 'right' }, { head: 'state', shrink: true }],
    rows: months.map((m) => [m.month, m.runs.length, `${state(m)}${m.closed ? ` at ${m.closed.closedAt}` : ''}`]),
  }, look);
  return `Months\n${summary}\nRuns (every month)\n${table}\n`;
}

/** `runs`: every month's runs, which one is the books, and whether the month is closed. */
export const RUNS_VIEW: View<RunsView> = {
  table: runsAsTable,
  json: (view) => asJson({
    months: monthsOf(view).map((m) => ({ ...monthRecord(m), runs: m.runs.map(record) })),
  }),
  csv: (view) => asCsv(['run', 'month', 'created_at', 'rate_card_sha256', 'tool_version', 'lines', 'total', 'reconciled', 'standing', 'adjusts_run'],
    view.runs.map((r) => Object.values(record(r)))),
};
