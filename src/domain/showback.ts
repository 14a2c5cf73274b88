import { adjustmentsAgainst, type Adjustment } from './adjustments.js';
import type { Anomaly } from './anomalies.js';
import { attribute, attributeListed, mergeAttributed, unitCosts, usageCounts, type Attributed, type BreakdownAxis, type UnitCost } from './attribution.js';
import { forecastOf } from './budgets.js';
import { explainCentre, UNTAGGED, type CentreExplanation, type LineBreakdown } from './explain.js';
import type { GpuSummaryRow } from './gpu.js';
import { sum, type Decimal } from './money.js';
import type { MonthRange } from './month.js';
import type { StoredRun } from './run.js';
import type { ServiceLevel } from './slo.js';
import type { Budget, StatementLine, UsageGroup } from './types.js';

/** What the ledger says of one centre's month: its usage by day and what lies behind each line. */
export interface CentreUsage {
  breakdownOf: (line: StatementLine) => LineBreakdown | null;
  days: readonly { day: string; group: UsageGroup }[];
  /** Its promised tiers: promised, delivered, credited (issue 21). */
  service: readonly ServiceLevel[];
}

export interface ShowbackInputs {
  run: StoredRun;
  /** The centres shown (all, or the one asked for). */
  centres: readonly string[];
  /** The previous month's books, to compare the total with. */
  previous: StoredRun | null;
  budgets: readonly Budget[];
  range: MonthRange;
  closed: boolean;
  usage: ReadonlyMap<string, CentreUsage>;
  anomalies: readonly Anomaly[];
  /** The tag whose values unit costs are also shown by (`--by tag.NAME`). */
  tagName: string | null;
  gpu: readonly GpuSummaryRow[];
  /** The runs after this one in its month, oldest first: each adjusts the books so far (issue 28). */
  later?: readonly StoredRun[];
  /** What later data the run's books do not hold, in one line; null when none. */
  note?: string | null;
}

/** A run that adjusts the books: what it changes per centre against the run before it. */
export interface AdjustmentShown {
  runId: number;
  againstRunId: number;
  createdAt: string;
  byCentre: Adjustment[];
  total: Decimal;
}

export interface CentreReport {
  explanation: CentreExplanation;
  /** The centre's money by day, model and user or key, attributed by its usage (what none carries is `unattributed`). */
  daily: Attributed;
  byModel: Attributed;
  /** The centre's largest users or keys and their share of its usage-driven lines, to the cent. */
  byIdentity: Map<string, Decimal>;
  anomalyDays: string[];
  service: readonly ServiceLevel[];
}

/** Everything the HTML report shows, every figure from the stored run or the ledger. */
export interface ShowbackReport {
  run: StoredRun;
  closed: boolean;
  lines: readonly StatementLine[];
  total: Decimal;
  previous: { month: string; runId: number; total: Decimal } | null;
  /** Each later run's differences, and the total once they are all posted (null without any). */
  adjustments: { runs: AdjustmentShown[]; adjustedTotal: Decimal } | null;
  note: string | null;
  budget: { budgeted: Decimal; spent: Decimal; centres: number } | null;
  /** The month-end forecast while the run's data does not cover the whole month; null once it does. */
  forecast: Decimal | null;
  centres: CentreReport[];
  byModel: UnitCost[];
  byTag: { tag: string; rows: UnitCost[] } | null;
  /** Every usage-driven line's cost against all requests and tokens. */
  overall: UnitCost;
  /** What no model, day or tag carries: hybrid shares, GPU hours, idle, flat charges. */
  unattributed: Decimal;
  gpu: readonly GpuSummaryRow[];
}

/**
 * Cost per request and per 1M tokens by a tag's values over the centres' lines, and what no
 * value carries: the table `report --by` shows and `explain --by` prints.
 */
export function unitCostsByTag(lines: readonly StatementLine[], centres: readonly string[], usage: ReadonlyMap<string, CentreUsage>, tag: string):
  { rows: UnitCost[]; unattributed: Decimal } {
  const usageOf = (centre: string): CentreUsage => usage.get(centre) ?? { breakdownOf: () => null, days: [], service: [] };
  const cost = mergeAttributed(centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf, 'byTag')));
  const counts = usageCounts(centres.flatMap((c) => usageOf(c).days.map((d) => d.group)), (g) => g.tags[tag] ?? UNTAGGED);
  return { rows: unitCosts(cost.byKey, counts), unattributed: cost.unattributed };
}

/** Assembles the report from a run and what the ledger says behind it; no I/O. */
export function showbackReport(inputs: ShowbackInputs): ShowbackReport {
  const { run, range } = inputs;
  const lines = run.lines.filter((l) => inputs.centres.includes(l.costCentre));
  const total = sum(lines.map((l) => l.amount));
  const usageOf = (centre: string): CentreUsage => inputs.usage.get(centre) ?? { breakdownOf: () => null, days: [], service: [] };
  const along = (axis: BreakdownAxis) =>
    inputs.centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf, axis));
  const groups = inputs.centres.flatMap((c) => usageOf(c).days.map((d) => d.group));
  const models = along('byModel');
  const byModel = mergeAttributed(models);
  const createdAt = Date.parse(run.createdAt);
  const budgeted = inputs.budgets.filter((b) => inputs.centres.includes(b.costCentre));
  const daily = along('byDay');
  return {
    run, closed: inputs.closed, lines, total,
    adjustments: adjustmentsShown(run, inputs.later ?? [], inputs.centres),
    note: inputs.note ?? null,
    previous: inputs.previous && { month: inputs.previous.month, runId: inputs.previous.id, total: sum(inputs.previous.lines.filter((l) => inputs.centres.includes(l.costCentre)).map((l) => l.amount)) },
    budget: budgeted.length === 0 ? null : {
      budgeted: sum(budgeted.map((b) => b.monthly)),
      spent: sum(lines.filter((l) => budgeted.some((b) => b.costCentre === l.costCentre)).map((l) => l.amount)),
      centres: budgeted.length,
    },
    forecast: inputs.closed || createdAt >= range.endMs ? null : forecastOf(lines, range, createdAt),
    centres: inputs.centres.map((c, i) => ({
      explanation: explainCentre(run, c, usageOf(c).breakdownOf)!,
      daily: daily[i]!,
      byModel: models[i]!,
      byIdentity: attributeListed(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf),
      anomalyDays: inputs.anomalies.filter((a) => a.costCentre === c).map((a) => a.day),
      service: usageOf(c).service,
    })),
    byModel: unitCosts(byModel.byKey, usageCounts(groups, (g) => g.model ?? '(none)')),
    byTag: inputs.tagName === null ? null : {
      tag: inputs.tagName,
      rows: unitCostsByTag(run.lines, inputs.centres, inputs.usage, inputs.tagName).rows,
    },
    overall: unitCosts(new Map([['all', sum(byModel.byKey.values())]]), usageCounts(groups, () => 'all'))[0]!,
    unattributed: byModel.unattributed,
    gpu: inputs.gpu,
  };
}


/** Each later run against the one before it, for the centres shown; the adjusted total is the latest run's. */
function adjustmentsShown(run: StoredRun, later: readonly StoredRun[], centres: readonly string[]): ShowbackReport['adjustments'] {
  if (later.length === 0) return null;
  const shown = (r: StoredRun) => r.lines.filter((l) => centres.includes(l.costCentre));
  const runs = later.map((r, i) => {
    const before = i === 0 ? run : later[i - 1]!;
    const byCentre = adjustmentsAgainst(shown(before), shown(r));
    return { runId: r.id, againstRunId: before.id, createdAt: r.createdAt, byCentre, total: sum(byCentre.map((a) => a.amount)) };
  });
  return { runs, adjustedTotal: sum(shown(later[later.length - 1]!).map((l) => l.amount)) };
}
