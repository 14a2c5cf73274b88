import { adjustmentLines } from './adjustments.js';
import { UsageError } from './errors.js';
import type { JournalEntry } from './journal.js';
import type { StatementLine } from './types.js';

/**
 * Each journal posted once (issue 28). The ledger records every `export erp`; what a month's
 * recorded journals add up to is the figures of one run, the posted run, and whatever is
 * posted next is the difference from there. So an extra compute can never hide a difference,
 * and no document is written twice without being asked to.
 */

/** How a journal stands to the books: the books whole, the differences from the posted run, or a run forced out whole. */
export type ExportKind = 'books' | 'adjustment' | 'forced';

/** One recorded `export erp`. */
export interface ExportRecord {
  month: string;
  runId: number;
  /** The run whose figures the journal's differences start from; null for a whole run. */
  baseRunId: number | null;
  document: string;
  kind: ExportKind;
  /** The period (YYYY-MM) the journal posts in. */
  period: string;
  /** Where it was written: a path, or "stdout". */
  file: string;
  sha256: string;
  lines: number;
  exportedAt: string;
}

/** What the planner knows of a month: its runs (ascending ids), its close and its exports (oldest first). */
export interface MonthPostings {
  month: string;
  runIds: readonly number[];
  closedRunId: number | null;
  exports: readonly ExportRecord[];
}

/** What `export erp` was asked for. */
export interface ExportRequest {
  runId?: number;
  adjustments: boolean;
  /** Write a run that is not the books. */
  force: boolean;
  /** Write a document already written. */
  again: boolean;
}

/** What to write: a run whole, or its differences from `baseRunId`; `nothing` when no difference is pending. */
export type ExportPlan =
  | { kind: 'books' | 'forced'; runId: number; baseRunId: null; document: string }
  | { kind: 'adjustment'; runId: number; baseRunId: number; document: string }
  | { kind: 'nothing'; runId: number; why: string };

/** A journal's document id: the run, and the run its differences start from. */
export function documentOf(runId: number, baseRunId: number | null): string {
  return baseRunId === null ? `chargeback-run-${runId}` : `chargeback-run-${runId}-adjusts-${baseRunId}`;
}

/** The run the month's posted journals add up to (forced ones aside), or null when none was exported. */
export function postedRunId(exports: readonly ExportRecord[]): number | null {
  const chain = exports.filter((e) => e.kind !== 'forced');
  return chain.length === 0 ? null : chain[chain.length - 1]!.runId;
}

/** The month's books: the closed run, else the latest (SPEC §5). */
export function booksRunId(month: Pick<MonthPostings, 'runIds' | 'closedRunId'>): number | null {
  return month.closedRunId ?? month.runIds[month.runIds.length - 1] ?? null;
}

const when = (e: ExportRecord) => `on ${e.exportedAt.slice(0, 10)} to ${e.file}`;

/** Decides what `export erp` writes for `request`, or refuses with a UsageError that says why and what to run. */
export function planExport(month: MonthPostings, request: ExportRequest): ExportPlan {
  const books = booksRunId(month);
  if (books === null) throw new UsageError(`no statement run for ${month.month}`);
  const latest = month.runIds[month.runIds.length - 1]!;
  const target = request.runId ?? (request.adjustments ? latest : books);
  const adjusts = month.closedRunId !== null && target > month.closedRunId;
  if (request.adjustments || (request.runId !== undefined && target !== books && adjusts)) return planDifferences(month, target, request);
  if (target !== books) {
    if (!request.force) {
      throw new UsageError(`run ${target} is not the books of ${month.month}: run ${books} is (${month.closedRunId === null ? 'the latest run' : 'it closed the month'}); ` +
        'its journal would post figures the books do not hold (--force writes it all the same)');
    }
    return whole(month, target, 'forced', request);
  }
  const posted = lastChained(month);
  if (posted && !request.again) {
    const document = documentOf(books, null);
    const same = posted.document === document || month.exports.some((e) => e.document === document);
    throw new UsageError(same
      ? `${document} was exported ${when(lastOf(month, document)!)}: posting it again would count ${month.month} twice (--again writes it all the same)`
      : `${month.month}'s journals were exported up to run ${posted.runId} (${posted.document}, ${when(posted)}): ` +
        `${posted.runId === books ? 'nothing is pending' : `post run ${books}'s differences with --adjustments`} (--again writes run ${books} whole all the same)`);
  }
  return whole(month, books, 'books', request);
}

function planDifferences(month: MonthPostings, target: number, request: ExportRequest): ExportPlan {
  const posted = lastChained(month);
  if (!posted) {
    throw new UsageError(month.closedRunId === null && month.runIds.length === 1
      ? `${month.month} has no run that adjusts closed books: --adjustments needs a month closed and computed again`
      : `nothing of ${month.month} has been exported yet: export its books first (export erp --month ${month.month}), then the differences`);
  }
  if (target === posted.runId) return { kind: 'nothing', runId: target, why: `run ${target}'s figures are all posted (${posted.document}, ${when(posted)})` };
  if (target < posted.runId) {
    throw new UsageError(`run ${target}'s differences are already posted: ${month.month}'s journals add up to run ${posted.runId} (${posted.document}, ${when(posted)})`);
  }
  const document = documentOf(target, posted.runId);
  const earlier = lastOf(month, document);
  if (earlier && !request.again) throw new UsageError(`${document} was exported ${when(earlier)}: posting it again would count the differences twice (--again writes it all the same)`);
  return { kind: 'adjustment', runId: target, baseRunId: posted.runId, document };
}

function whole(month: MonthPostings, runId: number, kind: 'books' | 'forced', request: ExportRequest): ExportPlan {
  const document = documentOf(runId, null);
  const earlier = lastOf(month, document);
  if (earlier && !request.again) throw new UsageError(`${document} was exported ${when(earlier)}: posting it again would count ${month.month} twice (--again writes it all the same)`);
  return { kind, runId, baseRunId: null, document };
}

const lastChained = (month: MonthPostings) => [...month.exports].reverse().find((e) => e.kind !== 'forced') ?? null;
const lastOf = (month: MonthPostings, document: string) => [...month.exports].reverse().find((e) => e.document === document) ?? null;

/** What a plan posts per (centre, pool): a run's lines whole, or the differences from its base run. */
export function entriesOf(plan: ExportPlan, linesOf: (runId: number) => readonly StatementLine[]): JournalEntry[] {
  if (plan.kind === 'nothing') return [];
  if (plan.kind !== 'adjustment') return [...linesOf(plan.runId)];
  const method = `adjustment to run ${plan.baseRunId}`;
  return adjustmentLines(linesOf(plan.baseRunId), linesOf(plan.runId)).map((a) => ({ ...a, method }));
}

/** Where a month's posting stands: the run its journals add up to, and whether the latest run differs from it. */
export interface PostingStatus {
  month: string;
  postedRunId: number | null;
  booksRunId: number;
  latestRunId: number;
  /** The month is closed and nothing of it was exported. */
  unexported: boolean;
  /** Something was exported, and the latest run's figures differ from it. */
  pending: boolean;
}

/** Where `month`'s posting stands, given each run's lines. */
export function postingStatus(month: MonthPostings, linesOf: (runId: number) => readonly StatementLine[]): PostingStatus {
  const posted = postedRunId(month.exports);
  const latest = month.runIds[month.runIds.length - 1]!;
  return {
    month: month.month,
    postedRunId: posted,
    booksRunId: booksRunId(month)!,
    latestRunId: latest,
    unexported: posted === null && month.closedRunId !== null,
    pending: posted !== null && posted !== latest && adjustmentLines(linesOf(posted), linesOf(latest)).length > 0,
  };
}
