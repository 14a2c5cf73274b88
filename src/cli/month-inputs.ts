/*
 * What the commands read of a month (issue 14): compute, budgets, diff, runs --verify,
 * explain and gpu all gather their inputs here, never from one another.
 */
import { anomalyRule, describeAnomaly, findAnomalies, findCostAnomalies, type Anomaly } from '../domain/anomalies.js';
import { isUsageLine } from '../domain/lines.js';
import { explainLines } from '../domain/explain.js';
import { matchCostCentre, ownerOf } from '../domain/match.js';
import { countsOf, type CentreUsage } from '../domain/showback.js';
import { runViews, runViewsAsText } from '../domain/run-views.js';
import type { GroupShape, UsageGroup } from '../domain/types.js';
import { computeMonth, unmatchedCollector, UNMATCHED_LISTED, type UnmatchedIdentities } from '../domain/compute.js';
import { asCardSays, atComparedScale, byPhysicalGpu, gpuEnergySums, gpuSummarySums, gpuUsageSums, physicalGpuIntervals, summariseGpus, type GpuInterval, type GpuSummaryRow } from '../domain/gpu.js';
import { describeIdentity } from '../domain/match.js';
import { localMidnight, type MonthRange, type Period } from '../domain/month.js';
import type { PriceListParams } from '../domain/methods/price-list.js';
import { commitmentUse } from '../domain/billing-summary.js';
import type { RateCard, Statement, StatementLine } from '../domain/types.js';
import { statementAsCsv } from '../report/statement.js';
import { classifiedTags, isUnmatched, usageClassifier } from '../domain/usage-classes.js';
import { billingBatchesInRange, billingRecordsInRange } from '../ledger/billing.js';
import { gpuBatchesOfMonth, gpuSamplesOfMonth } from '../ledger/gpu.js';
import type { Ledger } from '../ledger/open.js';
import { batchesInRange, classifyUsage, type ClassifiedUsage } from '../ledger/usage.js';
import { breakdownAsText, runContentOf, type RunContent, type StoredRun } from '../domain/run.js';
import { lineBreakdowns, lineDays, lineKey, TOP_IDENTITIES, withTag, type MonthSums } from '../domain/breakdowns.js';
import type { LineBreakdown } from '../domain/explain.js';
import { serviceLevels, sloKeysOf, sloMeasures, type SloMeasure } from '../domain/slo.js';

export { runContentOf };

/** The month's usage read once for the card: its classes, by day from the week before (for anomalies). */
export interface MonthUsage {
  range: MonthRange;
  classified: ClassifiedUsage;
}

/**
 * Classifies the month's usage (and, for the anomaly check, the week before it) with the
 * card's classifier; `keepTags` keeps those tags on the groups too (explain and report --by).
 */
export function readMonthUsage(ledger: Ledger, card: RateCard, range: MonthRange, daysBefore: number = anomalyRule(card).lookBackDays, keepTags: readonly string[] = []): MonthUsage {
  return { range, classified: classifyUsage(ledger, range, daysBefore, usageClassifier(card, keepTags), { failed: sloKeysOf(card).any }) };
}

/** Every GPU's intervals for the month, built from all of its samples (SPEC §8.7). */
export function* gpuIntervalsOf(ledger: Ledger, range: MonthRange, maxGapMs: number, card: Pick<RateCard, 'hosts' | 'migShares'> = {}): Generator<GpuInterval> {
  for (const devices of byPhysicalGpu(gpuSamplesOfMonth(ledger, range))) yield* physicalGpuIntervals(devices.map((samples) => asCardSays(samples, card)), maxGapMs);
}

/**
 * The month priced with the card, from the ledger: the sentence shared by compute, budgets,
 * diff and runs --verify. Usage and GPU time come from the usage's range (budgets --as-of
 * cuts it short); the pools' costs from the whole period.
 */
export function priceMonth(ledger: Ledger, card: RateCard, period: Period, usage: MonthUsage, maxGapMs: number,
  { listed = UNMATCHED_LISTED, withBreakdowns = false, anomaliesBy = 'cost', commitments = true }:
  { listed?: number; withBreakdowns?: boolean; anomaliesBy?: 'cost' | 'tokens'; commitments?: boolean } = {}): Statement {
  const { range, classified } = usage;
  // Everything read of the month's classes comes first: splitting it where prices change
  // classifies again, and the ledger holds one classification at a time (its sums, owner
  // days included, are kept from this first read).
  const monthGroups = classified.groups();
  const unmatched = unmatchedIdentities(classified, listed);
  const slo = sloMeasuresOf(card, classified);
  // What lies behind each line, for the run to keep (issue 30): read before a price change
  // classifies the month again, from this classification.
  const sums = withBreakdowns ? classified.monthSums() : null;
  const behind = sums ? lineBreakdowns(card, sums) : null;
  // The GPU samples are read once for both the pools' GPU usage and the run's GPU summary.
  const gpuUsage = gpuUsageSums(range);
  const gpuSummary = gpuSummarySums(range, gpuOwner(card));
  const gpuEnergy = gpuEnergySums(range);
  for (const interval of gpuIntervalsOf(ledger, range, maxGapMs, card)) {
    gpuUsage.add(interval);
    gpuEnergy.add(interval);
    if (sums) gpuSummary.add(interval);
  }
  const billing = billingRecordsInRange(ledger, period);
  const statement = computeMonth({
    card,
    period,
    usage: [...pricedGroups(ledger, card, period, range, monthGroups), ...gpuUsage.result()],
    billing,
    gpuEnergy: gpuEnergy.result(),
    unmatched,
    listed,
    slo,
  });
  if (!behind || !sums) return statement;
  // A run stored before issue 33 is recomputed (runs --verify) with its anomalies judged as they were then: by tokens.
  const anomalies = anomaliesBy === 'cost' ? costAnomaliesOf(card, period.month.label, classified, statement.lines, sums) : findAnomalies(card, classified.ownerDays(), period.month.label);
  // Runs stored before issue 33 kept no commitments: recomputed (runs --verify), they keep none.
  const views = { ...runViews(card, sums, classifiedTags(card), anomalies, gpuSummary.result(), anomaliesBy), ...(commitments ? { commitments: commitmentUse(billing, period) } : {}) };
  return { ...statement, views, lines: statement.lines.map((line) => {
    const breakdown = isUsageLine(line) ? behind.get(lineKey(line.costCentre, line.pool)) : undefined;
    return breakdown ? { ...line, breakdown } : line;
  }) };
}

/**
 * The month's usage groups; where a price-list row takes effect inside the usage's range, the
 * range is split there and each stretch classified on its own, its groups marked with where
 * it starts, so each is priced at its day's row (issue 29). No such day: the month's groups.
 */
function pricedGroups(ledger: Ledger, card: RateCard, period: Period, range: MonthRange, monthGroups: UsageGroup[]): UsageGroup[] {
  const days = card.pools.flatMap((pool) => (pool.method === 'price-list' ? (pool.params as PriceListParams).rows.flatMap((r) => (r.from === null ? [] : [r.from])) : []));
  const cuts = [...new Set(days.map((day) => localMidnight(day, period.zone)))].filter((ms) => ms > range.startMs && ms < range.endMs).sort((a, b) => a - b);
  if (cuts.length === 0) return monthGroups;
  const edges = [range.startMs, ...cuts, range.endMs];
  return edges.slice(0, -1).flatMap((startMs, i) =>
    classifyUsage(ledger, { startMs, endMs: edges[i + 1]! }, 0, usageClassifier(card)).groups().map((group) => ({ ...group, fromMs: startMs })));
}

/** What each promised tier of each centre got in the month; nothing is read when no pool promises any. */
function sloMeasuresOf(card: RateCard, classified: ClassifiedUsage): Map<string, SloMeasure> {
  const { any, keysOf } = sloKeysOf(card);
  if (!any) return new Map();
  const { counts, histograms } = classified.latencies(keysOf);
  return sloMeasures(counts, histograms);
}

/** The unmatched identities of the month's summed usage, as few as the warning names. */
function unmatchedIdentities(classified: ClassifiedUsage, listed: number): UnmatchedIdentities {
  const collector = unmatchedCollector(listed);
  classified.eachIdentity(isUnmatched, (identity) => collector.add(describeIdentity({ identity })));
  return collector.result();
}

/**
 * The month's anomalies as warning lines: each centre's days judged by their cost against the
 * days before (issue 33), by tokens where the statement has no usage-driven line.
 */
export function anomaliesOf(card: RateCard, month: string, usage: MonthUsage, statement: Statement): string[] {
  return (statement.views?.anomalies ?? costAnomaliesOf(card, month, usage.classified, statement.lines)).map((a) => describeAnomaly(a, anomalyRule(card)));
}

/** `sums`: the month's class sums when the caller has them already (each monthSums() copies every class and day). */
function costAnomaliesOf(card: RateCard, month: string, classified: ClassifiedUsage, lines: readonly StatementLine[], sums?: MonthSums): Anomaly[] {
  const days = classified.ownerDays();
  if (!lines.some(isUsageLine)) return findAnomalies(card, days, month);
  const classSums = sums ?? classified.monthSums();
  return findCostAnomalies(card, lines, (keyDays) => lineDays(card, classSums, keyDays), days, month);
}

/** Every batch the month's computation reads, by source: what a run records (SPEC §5). */
export function batchesRead(ledger: Ledger, period: Period): { usage: number[]; billing: number[]; gpu: number[]; all: number[] } {
  const usage = batchesInRange(ledger, period.range);
  const billing = billingBatchesInRange(ledger, period);
  const gpu = gpuBatchesOfMonth(ledger, period.range);
  return { usage, billing, gpu, all: [...new Set([...usage, ...billing, ...gpu])].sort((a, b) => a - b) };
}

/**
 * A run's content as the lines `runs --verify` compares: its statement CSV as published, each
 * line's exact decimals, its pool costs and its unpriced usage.
 */
export function auditLinesOf(month: string, currency: string, content: RunContent): string[] {
  const exact = (l: StatementLine) => JSON.stringify([l.costCentre, l.pool, l.method, l.quantity?.toFixed() ?? null, l.unitPrice?.toFixed() ?? null, l.amount.toFixed()]);
  return [
    ...statementAsCsv({ runId: 0, month, currency, unallocated: '', lines: content.lines }).trimEnd().split('\n').map((l) => `statement: ${l}`),
    ...content.lines.map((l) => `exact: ${exact(l)}`),
    ...content.poolCosts.map((c) => `pool cost: ${JSON.stringify(c)}`),
    ...content.unpriced.map((u) => `unpriced: ${JSON.stringify(u)}`),
    ...content.lines.flatMap((l) => (l.breakdown ? [`breakdown: ${l.costCentre} ${l.pool} ${breakdownAsText(l.breakdown)}`] : [])),
    ...(content.views ? [`views: ${runViewsAsText({ ...content.views, gpu: content.views.gpu.map(atComparedScale) })}`] : []),
  ];
}

/** Per host and GPU, the month's hours observed, owned (by label, or by the card's matching) and busy. */
export function gpuSummaryOf(ledger: Ledger, range: MonthRange, maxGapMs: number, card: RateCard | null): GpuSummaryRow[] {
  return summariseGpus(gpuIntervalsOf(ledger, range, maxGapMs, card ?? {}), range, card ? gpuOwner(card) : undefined);
}

/** The cost centre the card's matching gives a GPU sample's host or namespace, remembered per pair (a month repeats a few). */
function gpuOwner(card: RateCard): (sample: { host: string; namespace?: string }) => string | null {
  const seen = new Map<string, string | null>();
  return (s) => {
    const key = `${s.host}\u0000${s.namespace ?? ''}`;
    let owner = seen.get(key);
    if (owner === undefined) {
      owner = matchCostCentre({ source: 'gpu', identity: { host: s.host, ...(s.namespace ? { namespace: s.namespace } : {}) }, tags: {} }, card.costCentres)?.id ?? null;
      seen.set(key, owner);
    }
    return owner;
  };
}

/**
 * What lies behind each of `centres`' lines in a run, read in one pass of the month's usage:
 * per centre, each line's quantity by model, user, day (and `tagName`'s value), and its
 * usage groups by day; and the month's anomalies, found when asked for (one more pass).
 * What explain and report read.
 */
export function centresUsage(ledger: Ledger, card: RateCard, period: Period, lines: readonly StatementLine[], centres: readonly string[],
  { tagName, topIdentities }: { tagName?: string; topIdentities?: number } = {}):
  { usage: Map<string, CentreUsage>; anomalies: () => Anomaly[] } {
  const { classified } = readMonthUsage(ledger, card, period.range, anomalyRule(card).lookBackDays, tagName === undefined ? [] : [tagName]);
  const measures = sloMeasuresOf(card, classified);
  // Per centre, its days and identities streamed: one pass per centre, but never every
  // identity of the month in memory at once (a single pass split by owner held them all:
  // 2.6 GB for a 5M-event month against the per-centre passes' few hundred MB).
  const usage = new Map<string, CentreUsage>();
  for (const centre of centres) {
    const owned = (shape: GroupShape) => ownerOf(shape, card).id === centre;
    const pools = card.pools.filter((pool) => lines.some((l) => l.costCentre === centre && l.pool === pool.id && isUsageLine(l)));
    const days = classified.days(owned);
    const breakdowns = explainLines(card, pools, centre, days, classified.identities(owned), tagName);
    // Keep the largest users only when asked: the rest would be held for every centre at once.
    if (topIdentities !== undefined) for (const b of breakdowns.values()) if (b) b.byIdentity = b.byIdentity.slice(0, topIdentities);
    usage.set(centre, { counts: countsOf(days.map((d) => d.group), tagName === undefined ? [] : [tagName]), breakdownOf: (line) => breakdowns.get(pools.find((p) => p.id === line.pool)!) ?? null,
      service: serviceLevels(card, centre, measures, lines) });
  }
  return { usage, anomalies: () => costAnomaliesOf(card, period.month.label, classified, lines) };
}


/**
 * What lies behind `centres`' lines as the run stored it (issue 30): no event is read and
 * nothing is classified again, so the drill-down is the books by construction. Null when
 * the run keeps no breakdowns (computed before they were stored), or the view needs what
 * only the ledger has: service levels measured from each request's latency.
 */
export function storedCentresUsage(run: StoredRun, card: RateCard, centres: readonly string[], tagName: string | null = null, topIdentities?: number): Map<string, CentreUsage> | null {
  const { views } = run;
  if (!views || sloKeysOf(card).any || (tagName !== null && !views.tags.includes(tagName))) return null;
  const none = { byModel: new Map(), byTag: new Map() };
  // The report lists a few users: the largest, as stored first (never the "others" after them).
  const shown = (b: LineBreakdown) => (topIdentities === undefined ? b : { ...b, byIdentity: b.byIdentity.slice(0, Math.min(topIdentities, TOP_IDENTITIES)) });
  const breakdownOf = (line: StatementLine) => (line.breakdown ? shown(tagName === null ? line.breakdown : withTag(line.breakdown, tagName)) : null);
  return new Map(centres.map((centre) => [centre, { counts: views.counts.get(centre) ?? none, breakdownOf, service: [] }]));
}
