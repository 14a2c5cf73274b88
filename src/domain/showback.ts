import { adjustmentsAgainst, type Adjustment } from './adjustments.js';
import type { Anomaly } from './anomalies.js';
import { attribute, attributeListed, mergeAttributed, unitCosts, usageCounts, type Attributed, type BreakdownAxis, type UnitCost, type UsageCount } from './attribution.js';
import { forecastOf } from './budgets.js';
import { explainCentre, UNTAGGED, type CentreExplanation, type LineBreakdown } from './explain.js';
import { isUsageLine } from './lines.js';
import type { GpuSummaryRow } from './gpu.js';
import { sum, type Decimal } from './money.js';
import type { MonthRange } from './month.js';
import type { StoredRun } from './run.js';
import type { ServiceLevel } from './slo.js';
import type { Budget, StatementLine, UsageGroup, VarianceThreshold } from './types.js';
import { DEFAULT_VARIANCE, variancesOf, type MonthBooks, type Variance } from './variances.js';

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
  /** Last month's books, and the run made mid-month with its forecast, for the variances (issue 33). */
  previousBooks?: MonthBooks | null;
  midMonth?: { lines: readonly StatementLine[]; forecast: (lines: readonly StatementLine[]) => Decimal } | null;
  variance?: VarianceThreshold;
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

/** A centre against its budget: what it spent, what the month is forecast to end at (null once the data covers the month). */
export interface BudgetStanding {
  costCentre: string;
  budget: Decimal;
  spent: Decimal;
  forecast: Decimal | null;
}

export interface Driver {
  key: string;
  amount: Decimal;
  /** The centres it is charged to, largest share first. */
  centres: string[];
}

export interface Drivers {
  models: Driver[];
  identities: Driver[];
  /** By the `--by` tag's values; null without one. */
  tags: Driver[] | null;
}

/** How many of each driver the organisation-wide lists keep. */
export const TOP_DRIVERS = 10;

/** Each key's amount over the centres, largest first, with the centres it came from. */
export function topDrivers(byCentre: readonly (readonly [string, ReadonlyMap<string, Decimal>])[], count = TOP_DRIVERS): Driver[] {
  const merged = new Map<string, { amount: Decimal; parts: [string, Decimal][] }>();
  for (const [centre, byKey] of byCentre) {
    for (const [key, amount] of byKey) {
      const so = merged.get(key) ?? { amount: sum([]), parts: [] };
      merged.set(key, { amount: so.amount.plus(amount), parts: [...so.parts, [centre, amount]] });
    }
  }
  const byAmount = (a: readonly [string, Decimal], b: readonly [string, Decimal]) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  return [...merged].map(([key, m]) => ({ key, amount: m.amount, centres: m.parts.sort(byAmount).map(([c]) => c) }))
    .sort((a, b) => byAmount([a.key, a.amount], [b.key, b.amount])).slice(0, count);
}

/**
 * Each budgeted centre against its budget, farthest over first: by the forecast's share of
 * the budget while the month is open, else by what was spent.
 */
export function budgetStandings(lines: readonly StatementLine[], budgets: readonly Budget[], forecast: ((lines: readonly StatementLine[]) => Decimal) | null): BudgetStanding[] {
  const rows = budgets.map((b) => {
    const own = lines.filter((l) => l.costCentre === b.costCentre);
    return { costCentre: b.costCentre, budget: b.monthly, spent: sum(own.map((l) => l.amount)), forecast: forecast && forecast(own) };
  });
  const share = (r: BudgetStanding) => (r.budget.isZero() ? sum([]) : (r.forecast ?? r.spent).dividedBy(r.budget));
  return rows.sort((a, b) => share(b).comparedTo(share(a)) || (a.costCentre < b.costCentre ? -1 : 1));
}

/**
 * What is unallocated, and why (issue 33): usage that matched no centre, by the users or
 * keys behind it; idle capacity per pool, wherever the card charges it; billing that
 * matched no owner; and anything else on the unallocated centre.
 */
export interface UnallocatedShown {
  centre: string;
  /** The unallocated centre's lines and the idle lines on any centre. */
  total: Decimal;
  /** The largest users or keys whose usage matched no centre, with their cost; `rest` is what the list leaves out. */
  identities: [string, Decimal][];
  rest: Decimal;
  idle: { pool: string; costCentre: string; amount: Decimal }[];
  billing: { pool: string; amount: Decimal }[];
  other: { pool: string; method: string; amount: Decimal }[];
}

/** How many unmatched users or keys the report lists. */
export const UNMATCHED_LISTED = 10;

export function unallocatedShown(run: StoredRun, lines: readonly StatementLine[], breakdownOf: (line: StatementLine) => LineBreakdown | null): UnallocatedShown {
  const centre = run.unallocated;
  const billed = new Set(run.poolCosts.filter((p) => p.kind === 'billing').map((p) => p.pool));
  const own = lines.filter((l) => l.costCentre === centre && l.method !== 'idle');
  const idle = lines.filter((l) => l.method === 'idle');
  const usage = own.filter((l) => !billed.has(l.pool) && isUsageLine(l) && breakdownOf(l) !== null);
  const listed = [...attributeListed(usage, breakdownOf)].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, UNMATCHED_LISTED);
  const usageTotal = sum(usage.map((l) => l.amount));
  return {
    centre,
    total: sum([...own, ...idle].map((l) => l.amount)),
    identities: listed,
    rest: usageTotal.minus(sum(listed.map(([, v]) => v))),
    idle: idle.map((l) => ({ pool: l.pool, costCentre: l.costCentre, amount: l.amount })),
    billing: own.filter((l) => billed.has(l.pool)).map((l) => ({ pool: l.pool, amount: l.amount })),
    other: own.filter((l) => !billed.has(l.pool) && !usage.includes(l)).map((l) => ({ pool: l.pool, method: l.method, amount: l.amount })),
  };
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
  /** Each budgeted centre shown: farthest over its budget first (by forecast while the month is open). */
  budgets: BudgetStanding[];
  /** The organisation's largest models, users or keys and tag values by cost, each with its centres. */
  drivers: Drivers;
  /** The month's anomalous days of the centres shown, each with its driver where known. */
  anomalies: readonly Anomaly[];
  /** What is unallocated and why; null when the report shows one other centre. */
  unallocated: UnallocatedShown | null;
  /** Each centre and pool against last month and the mid-month forecast, notable first. */
  variances: Variance[];
  variance: VarianceThreshold;
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

/**
 * Unit costs by model over several centres (each centre's money by model, and its counts),
 * every usage-driven line's cost against all requests and tokens, and what no model carries.
 */
export function unitCostsOf(models: readonly Attributed[], counts: readonly (ReadonlyMap<string, UsageCount> | undefined)[]):
  { byModel: UnitCost[]; overall: UnitCost; unattributed: Decimal } {
  const byModel = mergeAttributed(models);
  const merged = mergeCounts(counts);
  const all = { requests: sum([...merged.values()].map((c) => c.requests)), tokens: sum([...merged.values()].map((c) => c.tokens)) };
  return {
    byModel: unitCosts(byModel.byKey, merged),
    overall: unitCosts(new Map([['all', sum(byModel.byKey.values())]]), new Map([['all', all]]))[0]!,
    unattributed: byModel.unattributed,
  };
}

/** Assembles the report from a run and what the ledger says behind it; no I/O. */
export function showbackReport(inputs: ShowbackInputs): ShowbackReport {
  const { run, range } = inputs;
  const lines = run.lines.filter((l) => inputs.centres.includes(l.costCentre));
  const total = sum(lines.map((l) => l.amount));
  const usageOf = (centre: string): CentreUsage => inputs.usage.get(centre) ?? NO_USAGE;
  const along = (axis: BreakdownAxis) =>
    inputs.centres.map((c) => attribute(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf, axis));
  const models = along('byModel');
  const units = unitCostsOf(models, inputs.centres.map((c) => usageOf(c).counts.byModel));
  const createdAt = Date.parse(run.createdAt);
  const budgeted = inputs.budgets.filter((b) => inputs.centres.includes(b.costCentre));
  const daily = along('byDay');
  const tags = inputs.tagName === null ? null : along('byTag');
  const byIdentity = inputs.centres.map((c) => attributeListed(lines.filter((l) => l.costCentre === c), usageOf(c).breakdownOf));
  const open = !(inputs.closed || createdAt >= range.endMs);
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
    forecast: open ? forecastOf(lines, range, createdAt) : null,
    budgets: budgetStandings(lines, budgeted, open ? (own) => forecastOf(own, range, createdAt) : null),
    anomalies: inputs.anomalies.filter((a) => inputs.centres.includes(a.costCentre)),
    unallocated: inputs.centres.includes(run.unallocated) || inputs.centres.length > 1
      ? unallocatedShown(run, lines, (l) => usageOf(l.costCentre).breakdownOf(l)) : null,
    variances: variancesOf({ lines, breakdownOf: (l) => usageOf(l.costCentre).breakdownOf(l) },
      inputs.previousBooks ? { ...inputs.previousBooks, lines: inputs.previousBooks.lines.filter((l) => inputs.centres.includes(l.costCentre)) } : null,
      inputs.midMonth ?? null, inputs.variance ?? DEFAULT_VARIANCE, inputs.tagName),
    variance: inputs.variance ?? DEFAULT_VARIANCE,
    drivers: {
      models: topDrivers(inputs.centres.map((c, i) => [c, models[i]!.byKey])),
      identities: topDrivers(inputs.centres.map((c, i) => [c, byIdentity[i]!])),
      tags: tags && topDrivers(inputs.centres.map((c, i) => [c, tags[i]!.byKey])),
    },
    centres: inputs.centres.map((c, i) => ({
      explanation: explainCentre(run, c, usageOf(c).breakdownOf)!,
      daily: daily[i]!,
      byModel: models[i]!,
      byIdentity: byIdentity[i]!,
      anomalyDays: inputs.anomalies.filter((a) => a.costCentre === c).map((a) => a.day),
      service: usageOf(c).service,
    })),
    byModel: units.byModel,
    byTag: inputs.tagName === null ? null : {
      tag: inputs.tagName,
      rows: unitCostsByTag(run.lines, inputs.centres, inputs.usage, inputs.tagName).rows,
    },
    overall: units.overall,
    unattributed: units.unattributed,
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
