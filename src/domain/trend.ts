import { attribute, type UnitCost } from './attribution.js';
import { sum, type Decimal } from './money.js';
import type { Month } from './month.js';
import { previousMonth } from './month.js';
import type { StoredRun } from './run.js';
import { unitCostsByTag, unitCostsOf, type CentreUsage } from './showback.js';
import type { CommitmentUse } from './billing-summary.js';
import type { Budget } from './types.js';
import type { MonthBooks } from './variances.js';

/**
 * One month of the report's trend (issue 33): that month's books, read from its stored run
 * only, never from its events. A month without a run is a gap (`runId` null), never a zero.
 */
export interface TrendMonth {
  month: string;
  runId: number | null;
  /** Whether the month is closed: its books are the closed run and the runs that adjust it. */
  closed: boolean;
  total: Decimal | null;
  /** Each centre's name, as that month's lines carry it. */
  names: Map<string, string>;
  /** Each centre's amount that month (only centres with lines). */
  byCentre: Map<string, Decimal>;
  /** Each budgeted centre's monthly budget, from that month's own card. */
  budgets: Map<string, Decimal>;
  /** Each commitment the month's bills mark, as its run stored them; null for a run stored before runs kept them. */
  commitments: readonly CommitmentUse[] | null;
  /** Unit costs, where the run stores what lies behind its lines; null where it does not. */
  units: { overall: UnitCost; byModel: UnitCost[]; byTag: UnitCost[] | null } | null;
}

/** What the trend reads of one month: its books' run (null: none), that run's budgets, and what it stored behind its lines. */
export interface TrendInput {
  month: string;
  run: StoredRun | null;
  budgets: readonly Budget[];
  usage: ReadonlyMap<string, CentreUsage> | null;
  /** The tag whose values the stored usage is broken down by, or null. */
  tagName: string | null;
}

/** The labels of the `count` months ending at `last`, oldest first. */
export function monthsEndingAt(last: Month, count: number): string[] {
  const labels: string[] = [];
  for (let m = last, i = 0; i < count; i++, m = previousMonth(m)) labels.unshift(m.label);
  return labels;
}

/** One month of the trend, for the centres shown (`only`: one centre, or null for every centre the run has). */
export function trendMonth({ month, run, budgets, usage, tagName }: TrendInput, only: string | null): TrendMonth {
  if (run === null) return { month, runId: null, closed: false, total: null, names: new Map(), byCentre: new Map(), budgets: new Map(), commitments: null, units: null };
  const shown = (centre: string) => only === null || centre === only;
  const lines = run.lines.filter((l) => shown(l.costCentre));
  const byCentre = new Map<string, Decimal>();
  for (const line of lines) byCentre.set(line.costCentre, (byCentre.get(line.costCentre) ?? sum([])).plus(line.amount));
  const centres = [...byCentre.keys()];
  return {
    month, runId: run.id, closed: run.standing.kind !== 'open', total: sum(lines.map((l) => l.amount)), byCentre,
    names: new Map(lines.filter((l) => l.costCentreName !== '').map((l) => [l.costCentre, l.costCentreName])),
    budgets: new Map(budgets.filter((b) => shown(b.costCentre)).map((b) => [b.costCentre, b.monthly])),
    commitments: run.views?.commitments ?? null,
    units: usage === null ? null : unitsOf(run, lines, centres, usage, tagName),
  };
}

function unitsOf(run: StoredRun, lines: StoredRun['lines'], centres: readonly string[], usage: ReadonlyMap<string, CentreUsage>, tagName: string | null): TrendMonth['units'] {
  const of = (c: string) => usage.get(c);
  const models = centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), of(c)?.breakdownOf ?? (() => null), 'byModel'));
  const { overall, byModel } = unitCostsOf(models, centres.map((c) => of(c)?.counts.byModel));
  return { overall, byModel, byTag: tagName === null ? null : unitCostsByTag(run.lines, centres, usage, tagName).rows };
}

/** The trend from its first month with books: "up to" the window, so a ledger younger than it starts where its books do. */
export function fromFirstBooks(months: readonly TrendMonth[]): TrendMonth[] {
  const first = months.findIndex((m) => m.runId !== null);
  return first < 0 ? [] : months.slice(first);
}

/** The trend of the last `count` months of `books` (oldest first), from the first with books. */
export function trendOf(books: readonly TrendInput[], count: number, only: string | null): TrendMonth[] {
  return fromFirstBooks(books.slice(-count).map((b) => trendMonth(b, only)));
}

/** A month's books as the variances read them: its lines of the centres shown, and what lies behind each. */
export function monthBooks(input: TrendInput | undefined, only: string | null): MonthBooks | null {
  if (!input?.run) return null;
  const usage = input.usage;
  return {
    lines: input.run.lines.filter((l) => only === null || l.costCentre === only),
    breakdownOf: (line) => usage?.get(line.costCentre)?.breakdownOf(line) ?? null,
  };
}

/**
 * The books with the report month's usage as the report read it (stored, or read from the
 * run's batches for a run that stored none): its unit costs then come from where its page's do.
 */
export function withShownUsage(books: readonly TrendInput[], usage: ReadonlyMap<string, CentreUsage>, tagName: string | null): TrendInput[] {
  return books.map((b, i) => (i === books.length - 1 ? { ...b, usage, tagName } : b));
}
