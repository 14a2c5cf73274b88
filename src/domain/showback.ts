import { adjustmentsAgainst, type Adjustment } from './adjustments.js';
import type { Anomaly } from './anomalies.js';
import { attribute, attributeListed, mergeAttributed, unitCosts, usageCounts, type Attributed, type BreakdownAxis, type UnitCost, type UsageCount } from './attribution.js';
import { forecastOf } from './budgets.js';
import { explainCentre, UNTAGGED, type CentreExplanation, type LineBreakdown } from './explain.js';
import type { GpuSummaryRow } from './gpu.js';
import { sum, type Decimal } from './money.js';
import type { MonthRange } from './month.js';
import type { StoredRun } from './run.js';
import type { ServiceLevel } from './slo.js';
import type { Budget, StatementLine, UsageGroup } from './types.js';

/** What the ledger (or the run, issue 30) says of one centre's month: its usage counted, and what lies behind each line. */
export interface CentreUsage {
  breakdownOf: (line: StatementLine) => LineBreakdown | null;
  /** Its ok gateway requests and tokens by model, and by the value of each tag counted (UNTAGGED: without it). */
  counts: CentreCounts;
  /** Its promised tiers: promised, delivered, credited (issue 21). */
  service: readonly ServiceLevel[];
}

export interface CentreCounts {
  byModel: ReadonlyMap<string, UsageCount>;
  byTag: ReadonlyMap<string, ReadonlyMap<string, UsageCount>>;
}

/** A centre's counts from its usage groups (by class and day): by model, and by each of `tags`' values. */
export function countsOf(groups: readonly UsageGroup[], tags: readonly string[]): CentreCounts {
  return {
    byModel: usageCounts(groups, (g) => g.model ?? '(none)'),
    byTag: new Map(tags.map((tag) => [tag, usageCounts(groups, (g) => g.tags[tag] ?? UNTAGGED)])),
  };
}

const NO_USAGE: CentreUsage = { breakdownOf: () => null, counts: { byModel: new Map(), byTag: new Map() }, service: [] };

/** Counts of several centres added together. */
function mergeCounts(maps: readonly (ReadonlyMap<string, UsageCount> | undefined)[]): Map<string, UsageCount> {
  const merged = new Map<string, UsageCount>();
  for (const map of maps) {
    for (const [key, { requests, tokens }] of map ?? []) {
      const so = merged.get(key);
      merged.set(key, so ? { requests: so.requests.plus(requests), tokens: so.tokens.plus(tokens) } : { requests, tokens });
    }
  }
  return merged;
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
  const usageOf = (centre: string): CentreUsage => usage.get(centre) ?? NO_USAGE;
  const cost = mergeAttributed(centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf, 'byTag')));
  const counts = mergeCounts(centres.map((c) => usageOf(c).counts.byTag.get(tag)));
  return { rows: unitCosts(cost.byKey, counts), unattributed: cost.unattributed };
}

/** Assembles the report from a run and what the ledger says behind it; no I/O. */
export function showbackReport(inputs: ShowbackInputs): ShowbackReport {
  const { run, range } = inputs;
  const lines = run.lines.filter((l) => inputs.centres.includes(l.costCentre));
  const total = sum(lines.map((l) => l.amount));
  const usageOf = (centre: string): CentreUsage => inputs.usage.get(centre) ?? NO_USAGE;
  const along = (axis: BreakdownAxis) =>
    inputs.centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf, axis));
  const byModelCounts = mergeCounts(inputs.centres.map((c) => usageOf(c).counts.byModel));
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
    byModel: unitCosts(byModel.byKey, byModelCounts),
    byTag: inputs.tagName === null ? null : {
      tag: inputs.tagName,
      rows: unitCostsByTag(run.lines, inputs.centres, inputs.usage, inputs.tagName).rows,
    },
    overall: unitCosts(new Map([['all', sum(byModel.byKey.values())]]), new Map([['all', {
      requests: sum([...byModelCounts.values()].map((c) => c.requests)), tokens: sum([...byModelCounts.values()].map((c) => c.tokens)),
    }]]))[0]!,
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
