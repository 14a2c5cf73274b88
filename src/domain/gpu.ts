import { compareIds } from './order.js';
import { noQuantities, ZERO } from './drivers.js';
import { allocate } from './allocate.js';
import { Decimal, sum } from './money.js';
import type { MonthRange } from './month.js';
import type { GpuSample, UsageGroup } from './types.js';

export const DEFAULT_MAX_GAP_MS = 300_000;

/**
 * A GPU's samples as the card names them: under the host it maps their host label to
 * (`hosts:`), and a MIG slice at the share it gives its profile (`mig_shares:`).
 */
export function asCardSays(samples: GpuSample[], card: { hosts?: Readonly<Record<string, string>>; migShares?: Readonly<Record<string, Decimal>> }): GpuSample[] {
  const { hosts, migShares } = card;
  const first = samples[0];
  const host = hosts && first && Object.hasOwn(hosts, first.host) ? hosts[first.host] : undefined;
  const share = migShares && first?.profile !== undefined && Object.hasOwn(migShares, first.profile) ? migShares[first.profile] : undefined;
  if (host === undefined && share === undefined) return samples;
  return samples.map((s) => ({ ...s, ...(host === undefined ? {} : { host }), ...(share === undefined ? {} : { share }) }));
}

/** A MIG slice's device: its GPU's, then its GPU instance (DCGM's `GPU_I_ID`, nvidia-smi's `gpu_instance_id`). */
export const migDevice = (gpu: string, instance: string): string => `${gpu}/mig-${instance}`;

/** The physical GPU a device is, or is carved from. */
export const physicalGpu = (device: string): string => device.replace(/\/mig-[^/]*$/, '');

/** Whether a device is a MIG slice of a GPU rather than a whole one. */
const isSlice = (device: string): boolean => device !== physicalGpu(device);

/** Devices (each one's samples) grouped by physical GPU: the ledger lists a GPU's slices right after it. */
export function* byPhysicalGpu(devices: Iterable<GpuSample[]>): Generator<GpuSample[][]> {
  let group: GpuSample[][] = [];
  let key: string | null = null;
  for (const samples of devices) {
    const first = samples[0];
    if (!first) continue;
    const next = JSON.stringify([first.host, physicalGpu(first.gpu)]);
    if (next !== key && group.length > 0) yield group.splice(0);
    key = next;
    group.push(samples);
  }
  if (group.length > 0) yield group;
}

/**
 * One physical GPU's devices without the GPU's own samples at the times its MIG slices are
 * sampled: DCGM publishes a carved GPU's metrics beside its slices', and the slices are its
 * usage (issue 17), so the GPU is not counted whole on top of them; what no slice holds is idle.
 */
export function withoutCarvedWhole(devices: readonly GpuSample[][]): GpuSample[][] {
  const ofSlice = (samples: readonly GpuSample[]) => samples[0] !== undefined && isSlice(samples[0].gpu);
  const sliced = new Set(devices.filter(ofSlice).flatMap((samples) => samples.map((s) => s.tsMs)));
  if (sliced.size === 0) return [...devices];
  return devices.map((samples) => (ofSlice(samples) ? samples : samples.filter((s) => !sliced.has(s.tsMs)))).filter((samples) => samples.length > 0);
}

/** One sample's interval: [start, start + lengthMs), owned by the sample's labels. */
export interface GpuInterval {
  sample: GpuSample;
  lengthMs: number;
  /** The energy the GPU used over the interval, in mJ, where its samples measure it (issue 35). */
  energyMj?: Decimal;
  /**
   * A whole GPU's sample at a time its MIG slices were sampled: its time is the slices'
   * (withoutCarvedWhole), but the energy DCGM measures for the whole GPU is only here.
   */
  energyOnly?: true;
}

/**
 * The energy each of a device's samples (sorted by time) stands for, in mJ, by its time: the
 * energy counter's increase to the next sample (a counter that went down was reset when the
 * driver reloaded: the next value is what it counted since), taken whole however long the gap,
 * since the counter saw all of it; else the power draw over the sample's interval (W × ms =
 * mJ). A sample with neither has none.
 */
export function sampleEnergies(samples: readonly GpuSample[], maxGapMs: number): Map<number, Decimal> {
  const energies = new Map<number, Decimal>();
  gpuIntervals(samples, maxGapMs).forEach(({ sample, lengthMs }, i) => {
    const next = samples[i + 1];
    if (sample.energyMj !== undefined && next?.energyMj !== undefined) {
      const increase = next.energyMj.minus(sample.energyMj);
      energies.set(sample.tsMs, increase.isNegative() ? next.energyMj : increase);
    } else if (sample.powerW !== undefined) energies.set(sample.tsMs, sample.powerW.times(lengthMs));
  });
  return energies;
}

/**
 * One physical GPU's intervals, each with its energy: the devices' samples as the card names
 * them, without the whole GPU's samples at the times its slices were sampled. DCGM measures
 * energy for the whole GPU only: at such a time its interval's energy is shared over the
 * slices sampled then by their shares, to the unit of its last decimal place (largest
 * remainder, so the parts add up to it), and what no slice holds stays the GPU's as an
 * `energyOnly` interval of no length.
 */
export function* physicalGpuIntervals(devices: readonly GpuSample[][], maxGapMs: number): Generator<GpuInterval> {
  const measured = devices.filter((d) => d.some((s) => s.energyMj !== undefined || s.powerW !== undefined));
  const energies = new Map(measured.map((d) => [d[0]!.gpu, sampleEnergies(d, maxGapMs)]));
  const kept = withoutCarvedWhole(devices);
  const carved = carvedEnergy(measured, kept, energies);
  for (const samples of kept) {
    const ofDevice = energies.get(samples[0]!.gpu);
    for (const interval of gpuIntervals(samples, maxGapMs)) {
      const energyMj = carved.slices.get(sliceKey(interval.sample)) ?? ofDevice?.get(interval.sample.tsMs);
      yield energyMj === undefined ? interval : { ...interval, energyMj };
    }
  }
  yield* carved.unheld;
}

const sliceKey = (s: GpuSample) => `${s.gpu}\u0000${s.tsMs}`;

/** The energy of a whole GPU's carved-away samples: each slice's part by its time, and the rest as energy-only intervals. */
function carvedEnergy(measured: readonly GpuSample[][], kept: readonly GpuSample[][], energies: ReadonlyMap<string, ReadonlyMap<number, Decimal>>) {
  const slices = new Map<string, Decimal>();
  const unheld: GpuInterval[] = [];
  const wholes = measured.filter((samples) => !isSlice(samples[0]!.gpu));
  // Nothing was carved without a measured whole GPU and a slice beside it.
  if (wholes.length === 0 || !kept.some((samples) => isSlice(samples[0]!.gpu))) return { slices, unheld };
  const slicesAt = new Map<number, GpuSample[]>();
  for (const samples of kept) {
    if (!isSlice(samples[0]!.gpu)) continue;
    for (const s of samples) slicesAt.set(s.tsMs, [...(slicesAt.get(s.tsMs) ?? []), s]);
  }
  for (const samples of wholes) {
    const left = new Set(kept.find((k) => k[0]!.gpu === samples[0]!.gpu)?.map((s) => s.tsMs) ?? []);
    const ofDevice = energies.get(samples[0]!.gpu)!;
    for (const sample of samples) {
      const energyMj = ofDevice.get(sample.tsMs);
      if (left.has(sample.tsMs) || energyMj === undefined) continue;
      const held = slicesAt.get(sample.tsMs) ?? [];
      const parts = shareEnergy(energyMj, held);
      held.forEach((slice, i) => slices.set(sliceKey(slice), parts[i]!));
      const rest = parts[held.length]!;
      if (!rest.isZero()) unheld.push({ sample, lengthMs: 0, energyMj: rest, energyOnly: true });
    }
  }
  return { slices, unheld };
}

/** `energy` over the slices by their shares and the rest of the GPU last, exact: the parts add up to it. */
function shareEnergy(energy: Decimal, slices: readonly GpuSample[]): Decimal[] {
  const shares = slices.map((s) => s.share ?? ONE);
  const rest = Decimal.max(ONE.minus(sum(shares)), 0);
  const scale = new Decimal(10).pow(energy.decimalPlaces());
  const split = allocate(BigInt(energy.times(scale).toFixed(0)), [...shares, rest].map((weight, i) => ({ id: String(i).padStart(4, '0'), weight })));
  return [...shares, rest].map((_, i) => new Decimal((split?.get(String(i).padStart(4, '0')) ?? 0n).toString()).dividedBy(scale));
}

/**
 * The month's GPU energy in mJ per host (as the card names it) and per (host, GPU): every
 * interval that starts in the month, whole, as GPU time counts (SPEC §8.7).
 */
export function gpuEnergySums(range: MonthRange) {
  const byHost = new Map<string, Decimal>();
  return {
    add({ sample, energyMj }: GpuInterval): void {
      if (energyMj === undefined || sample.tsMs < range.startMs || sample.tsMs >= range.endMs) return;
      byHost.set(sample.host, (byHost.get(sample.host) ?? ZERO).plus(energyMj));
    },
    result: (): ReadonlyMap<string, Decimal> => byHost,
  };
}

/**
 * A GPU's samples (sorted by time) as intervals (SPEC §3.3, §8.7): sample i covers
 * [t_i, min(t_{i+1}, t_i + max_gap)); the last covers the median of the GPU's capped
 * intervals (the mean of the middle two for an even count; 0 with one sample).
 */
export function gpuIntervals(samples: readonly GpuSample[], maxGapMs: number): GpuInterval[] {
  const lengths = samples.slice(0, -1).map((s, i) => Math.min(samples[i + 1]!.tsMs - s.tsMs, maxGapMs));
  const sorted = [...lengths].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  const median = sorted.length === 0 ? 0 : sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return samples.map((sample, i) => ({ sample, lengthMs: sample.lengthMs ?? (i < lengths.length ? lengths[i]! : median) }));
}

const ONE = new Decimal(1);
/** Intervals are whole or half milliseconds (a median of two): sums count half-milliseconds. */
const HALF_MS_PER_SECOND = new Decimal(2000);
const HALF_MS_PER_SECOND_PERCENT = new Decimal(200_000);
const HALF_MS_PER_SECOND_GIB = new Decimal(2_048_000);

/**
 * Σ half-ms, Σ half-ms × util and Σ half-ms × MiB of intervals, exact: whole numbers while
 * they stay exact as doubles (nearly always: values are whole), Decimal otherwise.
 */
function plainSums() {
  const whole = [0, 0, 0];
  const exact = [ZERO, ZERO, ZERO];
  return {
    add(i: number, halfMs: number, value: Decimal | null): void {
      if (value === null) return;
      if (value.isInteger()) {
        const sum = whole[i]! + halfMs * value.toNumber();
        if (Number.isSafeInteger(sum)) {
          whole[i] = sum;
          return;
        }
      }
      exact[i] = exact[i]!.plus(value.times(halfMs));
    },
    total: (i: number): Decimal => exact[i]!.plus(whole[i]!),
  };
}

/**
 * A share as the fraction it is, when it is one with a small denominator (a MIG slice's 1/7
 * is stored as 200 digits of 0.142857…): times the share is then times the numerator over
 * the denominator, one division that ends where the fraction does. Null: the share's own
 * decimal, which is exact (an OpenCost average GPU count).
 */
function fractionOf(share: Decimal): [Decimal, Decimal] | null {
  const [numerator, denominator] = share.toFraction(1_000_000) as [Decimal, Decimal];
  return numerator.dividedBy(denominator).equals(share) ? [numerator, denominator] : null;
}

/**
 * A group's intervals summed (plainSums); a MIG slice's seconds and busy seconds count at its
 * share of the GPU, summed per share and taken at it once (issue 31): summed interval by
 * interval, seven 1/7 slices over three minutes made 0.05000000000000000002 GPU-hours.
 */
function intervalSums() {
  const whole = plainSums();
  const byShare = new Map<string, { share: Decimal; sums: ReturnType<typeof plainSums> }>();
  return {
    /** One interval; a MIG slice's seconds and busy seconds count at its `share` of the GPU, its memory whole. */
    add(lengthMs: number, util: Decimal | null, mib: Decimal | null, share?: Decimal): void {
      const halfMs = lengthMs * 2;
      whole.add(2, halfMs, mib);
      let sums = whole;
      if (share !== undefined) {
        const key = share.toString();
        let found = byShare.get(key);
        if (!found) byShare.set(key, (found = { share, sums: plainSums() }));
        sums = found.sums;
      }
      sums.add(0, halfMs, ONE);
      sums.add(1, halfMs, util);
    },
    into(q: UsageGroup['quantities']): void {
      const shares = [...byShare.values()].map(({ share, sums }) => ({ sums, fraction: fractionOf(share), share }));
      const atShare = (i: number) => shares.reduce((total, { sums, fraction, share }) =>
        total.plus(fraction ? sums.total(i).times(fraction[0]).dividedBy(fraction[1]) : sums.total(i).times(share)), ZERO);
      q.gpu_seconds = whole.total(0).plus(atShare(0)).dividedBy(HALF_MS_PER_SECOND);
      q.gpu_busy_seconds = whole.total(1).plus(atShare(1)).dividedBy(HALF_MS_PER_SECOND_PERCENT);
      q.gpu_mem_gib_seconds = whole.total(2).dividedBy(HALF_MS_PER_SECOND_GIB);
    },
  };
}

/**
 * The month's GPU usage as groups per (host, namespace, labelled): an interval counts, whole,
 * in the month its start falls in; seconds, busy seconds (× util / 100) and memory GiB-seconds
 * (× MiB / 1024) are exact decimals; a missing value counts as 0 (SPEC §8.7).
 */
export function gpuUsageGroups(intervals: Iterable<GpuInterval>, range: MonthRange): UsageGroup[] {
  const groups = gpuUsageSums(range);
  for (const interval of intervals) groups.add(interval);
  return groups.result();
}

/** gpuUsageGroups one interval at a time, so one pass over the samples can feed the summary too. */
export function gpuUsageSums(range: MonthRange) {
  const groups = new Map<string, { group: UsageGroup; sums: ReturnType<typeof intervalSums>; unmeasured: ReturnType<typeof intervalSums>; energy: Decimal }>();
  return {
    add({ sample, lengthMs, energyMj, energyOnly }: GpuInterval): void {
      // A carved whole GPU's energy has no owner: its slices' time is the usage.
      if (energyOnly || sample.tsMs < range.startMs || sample.tsMs >= range.endMs) return;
      const labelled = sample.namespace !== undefined || sample.pod !== undefined;
      const key = JSON.stringify([sample.host, sample.namespace ?? null, labelled]);
      let found = groups.get(key);
      if (!found) {
        const group: UsageGroup = {
          source: 'gpu',
          identity: { host: sample.host, ...(sample.namespace !== undefined ? { namespace: sample.namespace } : {}) },
          tags: {},
          quantities: noQuantities(),
          labelled,
        };
        groups.set(key, (found = { group, sums: intervalSums(), unmeasured: intervalSums(), energy: ZERO }));
      }
      if (energyMj !== undefined) found.energy = found.energy.plus(energyMj);
      found.sums.add(lengthMs, sample.utilPct, sample.memUsedMib, sample.share);
      if (sample.utilPct === null) found.unmeasured.add(lengthMs, null, null, sample.share);
    },
    result(): UsageGroup[] {
      return [...groups.values()].map(({ group, sums, unmeasured, energy }) => {
        sums.into(group.quantities);
        group.quantities.gpu_energy_mj = energy;
        const unknown = noQuantities();
        unmeasured.into(unknown);
        return unknown.gpu_seconds!.isZero() ? group : { ...group, unmeasuredBusySeconds: unknown.gpu_seconds! };
      });
    },
  };
}

/** One GPU's month: hours observed, owned (labelled, or matched by the card) and busy, and its owners. */
export interface GpuSummaryRow {
  host: string;
  gpu: string;
  hours: Decimal;
  ownedHours: Decimal;
  busyHours: Decimal;
  /** Hours whose busyness no sample reported (nvidia-smi's [N/A] in MIG mode): unknown, not idle. */
  unmeasuredHours: Decimal;
  owners: string[];
  /** The GPU's measured energy in mJ (issue 35), where its samples measure any; with it, per owner ('' for none). */
  energyMj?: Decimal;
  energyByOwner?: [string, Decimal][];
}

/**
 * Per host and GPU, what the month's intervals add up to. An interval is owned when it has a
 * namespace or pod label, or when `owns` (the card's matching) claims its host or namespace.
 */
export function summariseGpus(
  intervals: Iterable<GpuInterval>,
  range: MonthRange,
  owns: (sample: GpuSample) => string | null = () => null,
): GpuSummaryRow[] {
  const summary = gpuSummarySums(range, owns);
  for (const interval of intervals) summary.add(interval);
  return summary.result();
}

const SECONDS_PER_HOUR = new Decimal(3600);

/**
 * The places `runs --verify` compares a run's GPU summary at (3.6 ms): runs stored before
 * its hours were divided once kept a sum of rounded fifths of an hour (743.99…97 for 744).
 * The summary is a view, never allocated from; the lines' GPU quantities are compared whole.
 */
export const GPU_SUMMARY_COMPARED_PLACES = 6;

export function atComparedScale(row: GpuSummaryRow): GpuSummaryRow {
  const at = (d: Decimal) => d.toDecimalPlaces(GPU_SUMMARY_COMPARED_PLACES, Decimal.ROUND_HALF_EVEN);
  return { ...row, hours: at(row.hours), ownedHours: at(row.ownedHours), busyHours: at(row.busyHours), unmeasuredHours: at(row.unmeasuredHours) };
}

/** Each owner's measured energy over every GPU, in mJ, by owner ('' for none), in order (issue 35). */
export function energyByOwner(rows: readonly GpuSummaryRow[]): [string, Decimal][] {
  const by = new Map<string, Decimal>();
  for (const [owner, mj] of rows.flatMap((r) => r.energyByOwner ?? [])) by.set(owner, (by.get(owner) ?? ZERO).plus(mj));
  return [...by].sort(([a], [b]) => compareIds(a, b));
}

/**
 * summariseGpus one interval at a time. Intervals are summed in whole half-milliseconds and
 * divided into hours once per GPU: hours summed interval by interval were each rounded
 * (5 minutes is 1/12 h), and a month of them read 743.99…97 for 744.
 */
export function gpuSummarySums(range: MonthRange, owns: (sample: GpuSample) => string | null = () => null) {
  type Sums = ReturnType<typeof intervalSums>;
  const rows = new Map<string, { host: string; gpu: string; all: Sums; owned: Sums; unmeasured: Sums; owners: Set<string>; energy: Map<string, Decimal> }>();
  return {
    add({ sample, lengthMs, energyMj, energyOnly }: GpuInterval): void {
      if (sample.tsMs < range.startMs || sample.tsMs >= range.endMs) return;
      const key = JSON.stringify([sample.host, sample.gpu]);
      let row = rows.get(key);
      if (!row) rows.set(key, (row = { host: sample.host, gpu: sample.gpu, all: intervalSums(), owned: intervalSums(), unmeasured: intervalSums(), owners: new Set(), energy: new Map() }));
      if (energyMj !== undefined) {
        const by = energyOnly ? '' : owns(sample) ?? sample.namespace ?? sample.pod ?? '';
        row.energy.set(by, (row.energy.get(by) ?? ZERO).plus(energyMj));
      }
      if (energyOnly) return;
      // A MIG slice's hours are its share of the GPU's: the slices of one GPU add up to at most its hours.
      row.all.add(lengthMs, sample.utilPct, null, sample.share);
      if (sample.utilPct === null) row.unmeasured.add(lengthMs, null, null, sample.share);
      const owner = owns(sample) ?? sample.namespace ?? sample.pod ?? null;
      if (owner !== null) {
        row.owned.add(lengthMs, null, null, sample.share);
        row.owners.add(owner);
      }
    },
    result(): GpuSummaryRow[] {
      const hoursOf = (sums: ReturnType<typeof intervalSums>) => {
        const q = noQuantities();
        sums.into(q);
        return { hours: q.gpu_seconds!.dividedBy(SECONDS_PER_HOUR), busy: q.gpu_busy_seconds!.dividedBy(SECONDS_PER_HOUR) };
      };
      return [...rows.values()]
        .map(({ host, gpu, all, owned, unmeasured, owners, energy }): GpuSummaryRow => {
          const { hours, busy } = hoursOf(all);
          const row = { host, gpu, hours, ownedHours: hoursOf(owned).hours, busyHours: busy, unmeasuredHours: hoursOf(unmeasured).hours, owners: [...owners].sort() };
          if (energy.size === 0) return row;
          const byOwner = [...energy].sort(([a], [b]) => compareIds(a, b));
          return { ...row, energyMj: byOwner.reduce((total, [, mj]) => total.plus(mj), ZERO), energyByOwner: byOwner };
        })
        .sort((a, b) => (a.host + a.gpu < b.host + b.gpu ? -1 : 1));
    },
  };
}
