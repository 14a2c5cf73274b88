import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byPhysicalGpu, gpuIntervals, gpuUsageGroups, migDevice, physicalGpu, withoutCarvedWhole } from '../../src/domain/gpu.js';
import { Decimal } from '../../src/domain/money.js';
import type { GpuSample } from '../../src/domain/types.js';

const OCT = Date.UTC(2026, 9, 1);
const range = { startMs: OCT, endMs: Date.UTC(2026, 10, 1) };
const s = (sec: number, util: number | null, mib: number | null, extra: Partial<GpuSample> = {}): GpuSample => ({
  tsMs: OCT + sec * 1000, host: 'h1', gpu: 'G1', utilPct: util === null ? null : new Decimal(util), memUsedMib: mib === null ? null : new Decimal(mib), ...extra,
});

describe('GPU samples to intervals (SPEC §3.3, §8.7)', () => {
  it('caps each interval at max_gap and gives the last sample the median of the capped ones', () => {
    // t:      0    60   120   600   660
    // length: 60   60   300 (480 capped)  60   last = median of [60, 60, 300, 60] = 60
    assert.deepEqual(gpuIntervals([s(0, 1, 1), s(60, 1, 1), s(120, 1, 1), s(600, 1, 1), s(660, 1, 1)], 300_000).map((i) => i.lengthMs),
      [60_000, 60_000, 300_000, 60_000, 60_000]);
  });

  it('takes the mean of the middle two for an even count, and 0 for a single sample', () => {
    // t: 0, 10, 40 → lengths 10, 30 → median (10 + 30) / 2 = 20 for the last
    assert.deepEqual(gpuIntervals([s(0, 1, 1), s(10, 1, 1), s(40, 1, 1)], 300_000).map((i) => i.lengthMs), [10_000, 30_000, 20_000]);
    assert.deepEqual(gpuIntervals([s(0, 1, 1)], 300_000).map((i) => i.lengthMs), [0]);
  });

  it('sums seconds, busy seconds and memory GiB-seconds exactly; a missing value counts 0', () => {
    // lengths 60, 60, 300, 60, 60 = 540 s; busy 60×1 + 60×0.5 + 300×0 + 60×1 + 60×0 (null) = 150 s
    // memory 1024 MiB = 1 GiB throughout but the last (null): 480 GiB-s
    const samples = [s(0, 100, 1024), s(60, 50, 1024), s(120, 0, 1024), s(600, 100, 1024), s(660, null, null)];
    const [group] = gpuUsageGroups(gpuIntervals(samples, 300_000), range);
    assert.deepEqual(
      [group!.quantities.gpu_seconds, group!.quantities.gpu_busy_seconds, group!.quantities.gpu_mem_gib_seconds].map((d) => d.toFixed()),
      ['540', '150', '480'],
    );
  });

  it('counts an interval, whole, in the month its start falls in; groups by host, namespace and labels', () => {
    const last = Date.UTC(2026, 10, 1) / 1000 - OCT / 1000 - 30; // 30 s before November
    const samples = [s(last, 100, 0, { namespace: 'research' }), s(last + 60, 100, 0, { namespace: 'research' })];
    const groups = gpuUsageGroups(gpuIntervals(samples, 300_000), range);
    assert.equal(groups.length, 1);
    assert.equal(groups[0]!.quantities.gpu_seconds.toFixed(), '60'); // the first interval runs into November, whole in October
    assert.deepEqual([groups[0]!.identity, groups[0]!.labelled], [{ host: 'h1', namespace: 'research' }, true]);
  });
});

describe('GPU sums: whole numbers while exact, Decimal past that', () => {
  // Each interval's quantities by the SPEC's formula, one Decimal at a time: the reference.
  const reference = (intervals: { lengthMs: number; util: string | null; mib: string | null }[]) => {
    const sum = (f: (i: (typeof intervals)[number]) => Decimal) => intervals.reduce((acc, i) => acc.plus(f(i)), new Decimal(0));
    const seconds = (i: (typeof intervals)[number]) => new Decimal(i.lengthMs).dividedBy(1000);
    return [sum(seconds), sum((i) => seconds(i).times(i.util ?? 0).dividedBy(100)), sum((i) => seconds(i).times(i.mib ?? 0).dividedBy(1024))].map((d) => d.toFixed());
  };
  const cases: [string, { lengthMs: number; util: string | null; mib: string | null }[]][] = [
    ['whole values', [{ lengthMs: 60_000, util: '95', mib: '7650' }, { lengthMs: 30_000, util: '5', mib: '1' }]],
    ['a half-millisecond median and fractional values', [{ lengthMs: 12_345.5, util: '12.5', mib: '0.75' }, { lengthMs: 1, util: '33.3', mib: null }]],
    ['values past 2^53 when multiplied', [{ lengthMs: 300_000, util: '100', mib: '9007199254740991' }, { lengthMs: 300_000, util: '1', mib: '3' }]],
  ];
  for (const [name, intervals] of cases) {
    it(name, () => {
      const samples = intervals.map((i, n) => ({ sample: s(n * 600, i.util === null ? null : Number(i.util), null), lengthMs: i.lengthMs }));
      samples.forEach((x, n) => (x.sample.memUsedMib = intervals[n]!.mib === null ? null : new Decimal(intervals[n]!.mib!)));
      samples.forEach((x, n) => (x.sample.utilPct = intervals[n]!.util === null ? null : new Decimal(intervals[n]!.util!)));
      const [group] = gpuUsageGroups(samples, range);
      const q = group!.quantities;
      assert.deepEqual([q.gpu_seconds, q.gpu_busy_seconds, q.gpu_mem_gib_seconds].map((d) => d.toFixed()), reference(intervals));
    });
  }
});

describe('a GPU carved into MIG slices (issue 17)', () => {
  const at = (gpu: string, ...secs: number[]) => secs.map((sec) => s(sec, null, 1, { gpu }));
  const times = (devices: GpuSample[][]) => devices.map((d) => [d[0]!.gpu, d.map((x) => (x.tsMs - OCT) / 1000)]);

  it('names: a slice is GPU/mig-ID; its physical GPU is the GPU; other ids are their own', () => {
    const cases: [string, string][] = [[migDevice('GPU-1', '13'), 'GPU-1'], ['GPU-1', 'GPU-1'], ['0/mig-3', '0'], ['opencost/search', 'opencost/search'], ['GPU-1-mig-2', 'GPU-1-mig-2']];
    for (const [device, gpu] of cases) assert.equal(physicalGpu(device), gpu, device);
  });

  it('the GPU\'s own samples at its slices\' times are left out; before the GPU was carved they stay', () => {
    const cases: { name: string; devices: GpuSample[][]; expected: (string | number[])[][] }[] = [
      { name: 'carved all along', devices: [at('G1', 0, 60), at('G1/mig-1', 0, 60), at('G1/mig-2', 60)], expected: [['G1/mig-1', [0, 60]], ['G1/mig-2', [60]]] },
      { name: 'carved at 120', devices: [at('G1', 0, 60, 120), at('G1/mig-1', 120)], expected: [['G1', [0, 60]], ['G1/mig-1', [120]]] },
      { name: 'never carved', devices: [at('G1', 0, 60)], expected: [['G1', [0, 60]]] },
      { name: 'slices without the GPU\'s own samples', devices: [at('G1/mig-1', 0)], expected: [['G1/mig-1', [0]]] },
    ];
    for (const c of cases) assert.deepEqual(times(withoutCarvedWhole(c.devices)), c.expected, c.name);
  });

  it('devices group by host and physical GPU, as the ledger lists them', () => {
    const other = (gpu: string, host: string) => [s(0, null, null, { gpu, host })];
    const groups = [...byPhysicalGpu([other('G1', 'h1'), other('G1/mig-1', 'h1'), other('G1', 'h2'), [], other('G2', 'h2'), other('G2/mig-3', 'h2')])];
    assert.deepEqual(groups.map((g) => g.map((d) => `${d[0]!.host}:${d[0]!.gpu}`)), [['h1:G1', 'h1:G1/mig-1'], ['h2:G1'], ['h2:G2', 'h2:G2/mig-3']]);
  });
});
