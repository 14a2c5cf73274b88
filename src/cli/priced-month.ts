import { ANOMALY, describeAnomaly, findAnomalies } from '../domain/anomalies.js';
import { computeMonth, unmatchedCollector, type UnmatchedIdentities } from '../domain/compute.js';
import { gpuIntervals, gpuUsageGroups, type GpuInterval } from '../domain/gpu.js';
import { describeIdentity } from '../domain/match.js';
import type { MonthRange } from '../domain/month.js';
import type { RateCard, Statement } from '../domain/types.js';
import { isUnmatched, usageClassifier } from '../domain/usage-classes.js';
import { billingRecordsInRange } from '../ledger/billing.js';
import { gpuSamplesOfMonth } from '../ledger/gpu.js';
import type { Ledger } from '../ledger/open.js';
import { classifyUsage, type ClassifiedUsage } from '../ledger/usage.js';

/** The month's usage read once for the card: its classes, by day from the week before (for anomalies). */
export interface MonthUsage {
  range: MonthRange;
  classified: ClassifiedUsage;
}

/** Classifies the month's usage (and the week before it) with the card's classifier. */
export function readMonthUsage(ledger: Ledger, card: RateCard, range: MonthRange): MonthUsage {
  return { range, classified: classifyUsage(ledger, range, ANOMALY.window, usageClassifier(card)) };
}

/** Every GPU's intervals for the month, built from all of its samples (SPEC §8.7). */
export function* gpuIntervalsOf(ledger: Ledger, range: MonthRange, maxGapMs: number): Generator<GpuInterval> {
  for (const samples of gpuSamplesOfMonth(ledger, range)) yield* gpuIntervals(samples, maxGapMs);
}

/** The month priced with the card, from the ledger: the sentence shared by compute, budgets and diff. */
export function priceMonth(ledger: Ledger, card: RateCard, month: string, usage: MonthUsage, maxGapMs: number): Statement {
  const { range, classified } = usage;
  return computeMonth({
    card,
    month,
    usage: [...classified.groups(), ...gpuUsageGroups(gpuIntervalsOf(ledger, range, maxGapMs), range)],
    billing: billingRecordsInRange(ledger, range),
    unmatched: unmatchedIdentities(classified),
  });
}

/** The unmatched identities of the month's summed usage, as few as the warning names. */
function unmatchedIdentities(classified: ClassifiedUsage): UnmatchedIdentities {
  const collector = unmatchedCollector();
  classified.eachIdentity(isUnmatched, (identity) => collector.add(describeIdentity({ identity })));
  return collector.result();
}

/** The month's usage anomalies as warning lines, judged against the week before each day. */
export function anomaliesOf(card: RateCard, month: string, usage: MonthUsage): string[] {
  return findAnomalies(card, usage.classified.ownerDays(), month).map(describeAnomaly);
}
