import { checkKeys, describe, readMeasure, readRecord, readString, type FieldPath, type Issues, type Raw } from '../domain/fields.js';
import type { Decimal } from '../domain/money.js';
import type { AvailabilityBand, LatencyBand, SloPromise } from '../domain/types.js';

/**
 * A pool's `slo:` list (issue 21): per tier, the promises and their credit bands.
 *
 *   slo:
 *     - tier: priority
 *       latency_p99_ms: 100
 *       latency_credits: [{ up_to_ms: 150, credit_pct: 10 }, { credit_pct: 25 }]
 *       availability_pct: "99.9"
 *       availability_credits: [{ from_pct: "99.0", credit_pct: 10 }, { from_pct: "95.0", credit_pct: 25 }, { credit_pct: 100 }]
 *
 * Bands run from the promise outwards, each ending where the next starts; the last is open
 * (no bound), so every breach has a credit. A worse band never credits less.
 */
const SLO_KEYS = ['tier', 'latency_p99_ms', 'latency_credits', 'availability_pct', 'availability_credits'];

export function readSlo(value: unknown, path: FieldPath, issues: Issues): SloPromise[] | null {
  if (!Array.isArray(value)) {
    issues.add(path, `expected a list of tier promises, got ${describe(value)}`);
    return null;
  }
  const promises = value.map((item, i) => {
    const raw = readRecord(item, [...path, i], issues);
    return raw ? readPromise(raw, [...path, i], issues) : null;
  });
  const tiers = new Set<string>();
  promises.forEach((promise, i) => {
    if (promise && tiers.has(promise.tier)) issues.add([...path, i, 'tier'], `tier "${promise.tier}" has a promise already`);
    if (promise) tiers.add(promise.tier);
  });
  return promises.every((p) => p !== null) ? (promises as SloPromise[]) : null;
}

function readPromise(raw: Raw, path: FieldPath, issues: Issues): SloPromise | null {
  checkKeys(raw, SLO_KEYS, path, issues);
  const tier = readString(raw.tier, [...path, 'tier'], issues);
  const latency = raw.latency_p99_ms === undefined ? null : readMeasure(raw.latency_p99_ms, [...path, 'latency_p99_ms'], issues, true);
  const availability = raw.availability_pct === undefined ? null : readPercent(raw.availability_pct, [...path, 'availability_pct'], issues);
  if (raw.latency_p99_ms === undefined && raw.availability_pct === undefined) {
    issues.add(path, 'a tier promise needs latency_p99_ms, availability_pct or both');
  }
  const latencyCredits = readBands(raw, 'latency', latency, path, issues);
  const availabilityCredits = readBands(raw, 'availability', availability, path, issues);
  if (!tier || latencyCredits === null || availabilityCredits === null) return null;
  if ((raw.latency_p99_ms !== undefined && latency === null) || (raw.availability_pct !== undefined && availability === null)) return null;
  return {
    tier,
    latencyP99Ms: latency,
    latencyCredits: latencyCredits as LatencyBand[],
    availabilityPct: availability,
    availabilityCredits: availabilityCredits as AvailabilityBand[],
  };
}

const BANDS = {
  latency: { list: 'latency_credits', bound: 'up_to_ms', beyond: (a: Decimal, b: Decimal) => a.greaterThan(b), word: 'above' },
  availability: { list: 'availability_credits', bound: 'from_pct', beyond: (a: Decimal, b: Decimal) => a.lessThan(b), word: 'below' },
} as const;

/** A promise's bands, checked: each bound beyond the promise and the last, the last open, credits 0–100 and never less for a worse band. */
function readBands(raw: Raw, kind: keyof typeof BANDS, promise: Decimal | null, path: FieldPath, issues: Issues): (LatencyBand | AvailabilityBand)[] | null {
  const { list, bound, beyond, word } = BANDS[kind];
  const at = [...path, list];
  if (raw[list] === undefined) {
    if (promise !== null) issues.add(at, `a ${kind} promise needs its credit bands (${list})`);
    return promise === null ? [] : null;
  }
  if (promise === null) issues.add(at, `${list} without a ${kind} promise`);
  if (!Array.isArray(raw[list]) || raw[list].length === 0) {
    issues.add(at, `expected a list of bands, got ${describe(raw[list])}`);
    return null;
  }
  const bands = (raw[list] as unknown[]).map((item, i) => {
    const band = readRecord(item, [...at, i], issues);
    if (!band) return null;
    checkKeys(band, [bound, 'credit_pct'], [...at, i], issues);
    const limit = band[bound] === undefined ? null : kind === 'latency'
      ? readMeasure(band[bound], [...at, i, bound], issues, true) : readPercent(band[bound], [...at, i, bound], issues);
    const credit = readPercent(band.credit_pct, [...at, i, 'credit_pct'], issues);
    return credit && (band[bound] === undefined || limit) ? { limit, credit } : null;
  });
  if (bands.some((b) => b === null) || promise === null) return null;
  const read = bands as { limit: Decimal | null; credit: Decimal }[];
  let ok = true;
  read.forEach(({ limit }, i) => {
    const last = i === read.length - 1;
    const previous = i === 0 ? promise : read[i - 1]!.limit;
    if (limit === null && !last) ok = fail(issues, [...at, i, bound], `only the last band may have no ${bound}`);
    if (limit === null && last) return checkCredit(i);
    if (limit !== null && last) ok = fail(issues, [...at, i], `the last band must have no ${bound}, so that every breach earns a credit`);
    if (limit !== null && previous !== null && !beyond(limit, previous)) {
      ok = fail(issues, [...at, i, bound], `${bound} ${limit.toFixed()} must be ${word} ${i === 0 ? `the promise (${promise.toFixed()})` : `the band before (${previous.toFixed()})`}`);
    }
    checkCredit(i);
  });
  function checkCredit(i: number) {
    if (i > 0 && read[i]!.credit.lessThan(read[i - 1]!.credit)) ok = fail(issues, [...at, i, 'credit_pct'], 'a worse band must not credit less than the band before');
  }
  if (!ok) return null;
  return read.map(({ limit, credit }) => (kind === 'latency' ? { upToMs: limit, creditPct: credit } : { fromPct: limit, creditPct: credit }));
}

function fail(issues: Issues, path: FieldPath, message: string): false {
  issues.add(path, message);
  return false;
}

function readPercent(value: unknown, path: FieldPath, issues: Issues): Decimal | null {
  const parsed = readMeasure(value, path, issues, false);
  if (parsed && (parsed.lessThan(0) || parsed.greaterThan(100))) {
    issues.add(path, `expected a percentage from 0 to 100, got ${parsed.toFixed()}`);
    return null;
  }
  return parsed;
}
