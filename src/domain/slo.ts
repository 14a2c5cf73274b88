import { driverBase, ZERO } from './drivers.js';
import { filterTakes } from './match.js';
import { Decimal, fromCents, roundCents, sum, toCents } from './money.js';
import { compareIds } from './order.js';
import type { GroupShape, Pool, RateCard, SloPromise, StatementLine, UsageGroup } from './types.js';

/**
 * SLO credits (issue 21): a pool promises each QoS tier a latency and an availability,
 * measured per cost centre over the month, and credits part of the tier's charge when the
 * promise was not kept, by bands as public cloud SLA credit tables have them.
 */

/** What a centre's requests of one tier got in the month. */
export interface SloMeasure {
  /** Requests that succeeded, and those of them that carry no latency (never counted as fast). */
  okRequests: bigint;
  withoutLatency: bigint;
  errorRequests: bigint;
  /** The nearest-rank 99th percentile of the ok requests' latencies; null when none has one. */
  p99Ms: Decimal | null;
}

/** The percentile measured: p99. */
export const PERCENTILE = 99;

/**
 * The nearest-rank percentile of a histogram of values, sorted ascending with the number of
 * requests at each: the value of the ⌈p/100 × N⌉-th smallest request (N the requests
 * counted). A value, never an interpolation; null when there is none.
 */
export function nearestRank(histogram: readonly (readonly [Decimal, bigint])[], percentile: number): Decimal | null {
  const total = histogram.reduce((n, [, count]) => n + count, 0n);
  if (total === 0n) return null;
  // ⌈p × N / 100⌉ in integers: exact for any N.
  const rank = (BigInt(percentile) * total + 99n) / 100n;
  let seen = 0n;
  for (const [value, count] of histogram) {
    seen += count;
    if (seen >= rank) return value;
  }
  return histogram[histogram.length - 1]![0];
}

/** Availability in percent: the share of the tier's requests that succeeded; null without requests. */
export function availabilityPct(measure: SloMeasure): Decimal | null {
  const all = measure.okRequests + measure.errorRequests;
  return all === 0n ? null : new Decimal(String(measure.okRequests)).times(100).dividedBy(String(all));
}

const NONE = new Decimal(0);

/** The credit a measured p99 earns: 0 within the promise, else its band's. */
export function latencyCreditPct(promise: SloPromise, p99: Decimal | null): Decimal {
  if (promise.latencyP99Ms === null || p99 === null || p99.lessThanOrEqualTo(promise.latencyP99Ms)) return NONE;
  return promise.latencyCredits.find((band) => band.upToMs === null || p99.lessThanOrEqualTo(band.upToMs))?.creditPct ?? NONE;
}

/** The credit a measured availability earns: 0 at or above the promise, else its band's. */
export function availabilityCreditPct(promise: SloPromise, availability: Decimal | null): Decimal {
  if (promise.availabilityPct === null || availability === null || availability.greaterThanOrEqualTo(promise.availabilityPct)) return NONE;
  return promise.availabilityCredits.find((band) => band.fromPct === null || availability.greaterThanOrEqualTo(band.fromPct))?.creditPct ?? NONE;
}

export interface SloOutcome {
  p99Ms: Decimal | null;
  availabilityPct: Decimal | null;
  /** The larger of the two credits: one credit per tier and month, as cloud SLAs give. */
  creditPct: Decimal;
  /** Why: which promise was broken, or that it was kept. */
  reason: string;
}

export function sloOutcome(promise: SloPromise, measure: SloMeasure): SloOutcome {
  const availability = availabilityPct(measure);
  const latency = latencyCreditPct(promise, measure.p99Ms);
  const uptime = availabilityCreditPct(promise, availability);
  const creditPct = Decimal.max(latency, uptime);
  const broken = [
    ...(latency.greaterThan(0) ? [`p99 ${measure.p99Ms!.toFixed()} ms > ${promise.latencyP99Ms!.toFixed()} ms`] : []),
    ...(uptime.greaterThan(0) ? [`availability ${formatPct(availability!)}% < ${promise.availabilityPct!.toFixed()}%`] : []),
  ];
  return { p99Ms: measure.p99Ms, availabilityPct: availability, creditPct, reason: broken.length > 0 ? broken.join(', ') : 'promise kept' };
}

/** An availability as people read it: at most four decimals, rounded down (never shown as kept when it was not). */
export function formatPct(value: Decimal): string {
  return value.toDecimalPlaces(4, Decimal.ROUND_DOWN).toFixed();
}

/**
 * The credit in cents for a tier's charge: `creditPct` of it, rounded half-up to the cent,
 * and never more than the charge itself (nor below zero for a negative charge).
 */
export function creditCents(chargeCents: bigint, creditPct: Decimal): bigint {
  if (chargeCents <= 0n || creditPct.lessThanOrEqualTo(0)) return 0n;
  const credit = toCents(roundCents(new Decimal(String(chargeCents)).dividedBy(100).times(creditPct).dividedBy(100)));
  return credit > chargeCents ? chargeCents : credit;
}

/** Where a measure belongs: a pool, one of its promised tiers, and the centre whose requests they were. */
export const sloKey = (pool: string, tier: string, centre: string): string => JSON.stringify([pool, tier, centre]);

/**
 * The keys each class of usage is measured under: for every pool that takes it and promises
 * its tier, (pool, tier, owner). The platform's own usage (unallocated) earns no credit.
 */
export function sloKeysOf(card: RateCard): { keysOf: (shape: GroupShape) => string[]; any: boolean } {
  const promising = card.pools.filter((pool) => (pool.slo?.length ?? 0) > 0);
  return {
    any: promising.length > 0,
    keysOf(shape) {
      const centre = shape.centre?.id;
      if (shape.source !== 'gateway' || shape.tier === undefined || centre === undefined || centre === card.unallocated) return [];
      return promising
        .filter((pool) => pool.slo!.some((p) => p.tier === shape.tier) && filterTakes(pool.usage, shape))
        .map((pool) => sloKey(pool.id, shape.tier!, centre));
    },
  };
}

/** A class's requests by outcome, as the ledger counts them: ok or not, and whether a latency was logged. */
export interface SloCounts {
  key: string;
  ok: boolean;
  withLatency: boolean;
  requests: bigint;
}

/** Measures from the ledger's counts and per-key latency histograms (sorted ascending). */
export function sloMeasures(counts: readonly SloCounts[], histograms: ReadonlyMap<string, readonly (readonly [Decimal, bigint])[]>): Map<string, SloMeasure> {
  const measures = new Map<string, SloMeasure>();
  for (const { key, ok, withLatency, requests } of counts) {
    const m = measures.get(key) ?? { okRequests: 0n, withoutLatency: 0n, errorRequests: 0n, p99Ms: null };
    if (!ok) m.errorRequests += requests;
    else {
      m.okRequests += requests;
      if (!withLatency) m.withoutLatency += requests;
    }
    measures.set(key, m);
  }
  for (const [key, m] of measures) m.p99Ms = nearestRank(histograms.get(key) ?? [], PERCENTILE);
  return measures;
}

/** One credit as explain and the report show it: the promise, what was delivered, and the credit. */
export interface SloCredit {
  pool: string;
  tier: string;
  costCentre: string;
  promise: SloPromise;
  measure: SloMeasure;
  outcome: SloOutcome;
  /** The part of the centre's charge in the pool that the tier's usage makes. */
  tierCharge: Decimal;
  credit: Decimal;
}

/**
 * The credits of one pool's promises, from its lines and measures: for each centre with a
 * charge and requests of a promised tier, its tier charge (the centre's charge in the pool
 * times the tier's share of its driver quantity, to the cent) and the credit the outcome
 * earns. Credits only: the caller writes the lines.
 */
export function poolCredits(pool: Pool, lines: readonly StatementLine[], served: readonly UsageGroup[], ownerOf: (group: UsageGroup) => string | undefined,
  measures: ReadonlyMap<string, SloMeasure>): SloCredit[] {
  const driver = pool.driver === undefined || pool.driver === 'charges' ? 'requests' : pool.driver;
  const credits: SloCredit[] = [];
  for (const promise of pool.slo ?? []) {
    const all = new Map<string, Decimal>();
    const ofTier = new Map<string, Decimal>();
    for (const group of served) {
      const centre = ownerOf(group);
      if (centre === undefined) continue;
      const base = driverBase(group, driver, pool.weights, pool.tierMultipliers);
      all.set(centre, (all.get(centre) ?? ZERO).plus(base));
      if (group.tier === promise.tier) ofTier.set(centre, (ofTier.get(centre) ?? ZERO).plus(base));
    }
    for (const [centre, quantity] of [...ofTier].sort(([a], [b]) => compareIds(a, b))) {
      const measure = measures.get(sloKey(pool.id, promise.tier, centre));
      const total = all.get(centre)!;
      if (!measure || total.isZero()) continue;
      const charge = sum(lines.filter((l) => l.costCentre === centre && l.method !== 'idle').map((l) => l.amount));
      const tierCharge = roundCents(charge.times(quantity).dividedBy(total));
      const outcome = sloOutcome(promise, measure);
      const credit = fromCents(creditCents(toCents(tierCharge), outcome.creditPct));
      credits.push({ pool: pool.id, tier: promise.tier, costCentre: centre, promise, measure, outcome, tierCharge, credit });
    }
  }
  return credits;
}

/** What a credit line says of itself: the tier, what was delivered against the promise, and the share credited. */
export function describeCredit(c: SloCredit): string {
  return `tier ${c.tier}: ${delivered(c)}: ${c.outcome.creditPct.toFixed()}% of the tier's ${c.tierCharge.toFixed(2)} credited`;
}

/** What was delivered against each promise, as credit lines, explain and the report word it. */
function delivered({ promise, measure, outcome }: { promise: SloPromise; measure: SloMeasure; outcome: SloOutcome }): string {
  const p99 = promise.latencyP99Ms === null ? null
    : `p99 ${measure.p99Ms === null ? 'not measured' : `${measure.p99Ms.toFixed()} ms`} (promised ≤ ${promise.latencyP99Ms.toFixed()} ms)`;
  const availability = promise.availabilityPct === null ? null
    : `availability ${outcome.availabilityPct === null ? 'not measured' : `${formatPct(outcome.availabilityPct)}%`} (promised ≥ ${promise.availabilityPct.toFixed()}%)`;
  return [p99, availability].filter((t) => t !== null).join(', ');
}

/** A centre's promised tier in a pool as explain and the report show it, kept or not. */
export interface ServiceLevel {
  pool: string;
  tier: string;
  promise: SloPromise;
  measure: SloMeasure;
  outcome: SloOutcome;
  /** What the books credited for it (0 when the promise was kept). */
  credit: Decimal;
}

/** The driver column of a credit line: which tier it credits (a pool may promise several). */
export const creditDriver = (tier: string): string => `tier:${tier}`;

/**
 * Every promised tier the centre used in the month, pool by pool in the card's order: the
 * promise, what was measured, and the credit the run's lines hold for it.
 */
export function serviceLevels(card: RateCard, centre: string, measures: ReadonlyMap<string, SloMeasure>, lines: readonly StatementLine[]): ServiceLevel[] {
  return card.pools.flatMap((pool) => (pool.slo ?? []).flatMap((promise) => {
    const measure = measures.get(sloKey(pool.id, promise.tier, centre));
    if (!measure) return [];
    const credited = lines.filter((l) => l.costCentre === centre && l.pool === pool.id && l.method === 'slo-credit' && l.driver === creditDriver(promise.tier));
    return [{ pool: pool.id, tier: promise.tier, promise, measure, outcome: sloOutcome(promise, measure), credit: sum(credited.map((l) => l.amount)).negated() }];
  }));
}

/** One line of text per service level: promised, delivered, credited. */
export function describeServiceLevel(s: ServiceLevel): string {
  const credit = s.credit.isZero() ? (s.outcome.creditPct.isZero() ? 'promise kept' : 'no charge to credit') : `${s.outcome.creditPct.toFixed()}% credited: ${s.credit.toFixed(2)}`;
  return `${s.pool} tier ${s.tier}: ${delivered(s)}: ${credit}`;
}
