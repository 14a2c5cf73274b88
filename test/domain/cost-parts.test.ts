import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { costParts, depreciationFor, depreciationSchedule, energyCost } from '../../src/domain/cost-parts.js';
import { sampleEnergies } from '../../src/domain/gpu.js';
import { Decimal, fromCents, sum } from '../../src/domain/money.js';
import { parseMonth } from '../../src/domain/month.js';
import type { Depreciation, GpuSample, PoolCost } from '../../src/domain/types.js';

const d = (text: string | number) => new Decimal(text);
const month = (label: string) => parseMonth(label)!;
const purchase = (over: Partial<Depreciation> = {}): Depreciation => ({ name: '8x H100 node', purchase: d('288000.00'), salvage: d(0), inService: month('2026-01'), lifeMonths: 36, ...over });

describe('depreciation, straight line', () => {
  it('a 36-month schedule adds up to the purchase exactly; each month floored to the cent, the last takes the remainder', () => {
    const schedule = depreciationSchedule(purchase({ purchase: d('100000.00') }));
    assert.equal(schedule.length, 36);
    assert.equal(sum(schedule).toFixed(2), '100000.00');
    assert.deepEqual([schedule[0]!.toFixed(2), schedule[34]!.toFixed(2), schedule[35]!.toFixed(2)], ['2777.77', '2777.77', '2778.05']);
  });

  const cases: [string, string, string][] = [
    ['the month before service', '2025-12', '0.00'],
    ['the in-service month', '2026-01', '8000.00'],
    ['December, across the year', '2026-12', '8000.00'],
    ['the last month of 36', '2028-12', '8000.00'],
    ['the month after the life', '2029-01', '0.00'],
  ];
  for (const [name, label, expected] of cases) {
    it(`${name}: ${label}`, () => assert.equal(depreciationFor(purchase(), month(label)).toFixed(2), expected));
  }

  it('property: any purchase, salvage and life adds up to purchase − salvage exactly, every month within a cent of the others', () => {
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 1, max: 240 }), (cents, salvagePct, life) => {
      const amount = fromCents(cents);
      const salvage = fromCents((cents * BigInt(salvagePct)) / 100n);
      const schedule = depreciationSchedule(purchase({ purchase: amount, salvage, lifeMonths: life, inService: month('2026-07') }));
      assert.equal(sum(schedule).toFixed(2), amount.minus(salvage).toFixed(2));
      const [least, most] = [Decimal.min(...schedule), Decimal.max(...schedule)];
      assert.ok(most.minus(least).lessThan(d(life).dividedBy(100).plus('0.01')), 'only the last month differs, by less than a cent per month of life');
      assert.ok(schedule.every((m) => m.decimalPlaces() <= 2 && !m.isNegative()));
    }), { numRuns: 300 });
  });
});

const sample = (minute: number, energyMj?: string, powerW?: string): GpuSample => ({
  tsMs: Date.UTC(2026, 9, 1, 0, minute), host: 'h', gpu: 'g', utilPct: null, memUsedMib: null,
  ...(energyMj === undefined ? {} : { energyMj: d(energyMj) }), ...(powerW === undefined ? {} : { powerW: d(powerW) }),
});

describe('GPU energy from samples', () => {
  const cases: [string, GpuSample[], (string | undefined)[]][] = [
    ['the counter\'s increase to the next sample; the last by its power over the median interval', [sample(0, '1000', '10'), sample(5, '4000', '10'), sample(10, '9000', '20')], ['3000', '5000', '6000000']],
    ['a counter that went down was reset: the next value is what it counted since', [sample(0, '900000'), sample(5, '1200'), sample(10, '2500')], ['1200', '1300', undefined]],
    ['power × the interval where no counter is, capped at the gap', [sample(0, undefined, '300'), sample(60, undefined, '300')], ['90000000', '90000000']],
    ['the counter is taken whole across a gap: it saw all of it', [sample(0, '0', '300'), sample(60, '1080000000', '300')], ['1080000000', '90000000']],
    ['neither: no energy', [sample(0), sample(5)], [undefined, undefined]],
  ];
  for (const [name, samples, expected] of cases) {
    it(name, () => {
      const energies = sampleEnergies(samples, 300_000);
      assert.deepEqual(samples.map((s) => energies.get(s.tsMs)?.toFixed()), expected);
    });
  }

  it('prices the listed hosts\' energy (or every host\'s) × PUE × price per kWh, rounded once', () => {
    const byHost = new Map([['a', d('3600000000')], ['b', d('1800000000')]]);
    assert.equal(energyCost({ pue: d('1.5'), pricePerKwh: d('0.2') }, byHost).amount.toFixed(2), '0.45');
    assert.equal(energyCost({ pue: d('1.5'), pricePerKwh: d('0.2'), hosts: ['b', 'gone'] }, byHost).amount.toFixed(2), '0.15');
  });

  it('a cost\'s parts add up to its base: fixed, each purchase, energy', () => {
    const cost: PoolCost = { kind: 'fixed', amount: d('1200.00'), depreciation: [purchase(), purchase({ name: 'switch', purchase: d('1000.00'), lifeMonths: 3 })], energy: { pue: d('1.3'), pricePerKwh: d('0.12') } };
    const parts = costParts(cost, month('2026-03'), null, new Map([['h', d('36000000000000')]]))!;
    assert.deepEqual(parts.map((p) => [p.part, p.amount.toFixed(2)]), [['fixed', '1200.00'], ['depreciation', '8000.00'], ['depreciation', '333.34'], ['energy', '1560.00']]);
    assert.match(parts[2]!.detail, /month 3 of 3, the remainder/);
    assert.equal(costParts({ kind: 'fixed', amount: d('5') }, month('2026-03'), null, new Map()), null);
  });
});

describe('a MIG-carved GPU\'s energy', () => {
  it('is shared over the slices sampled then by their shares, the rest kept for the GPU: the parts add up to what DCGM measured', async () => {
    const { physicalGpuIntervals, gpuUsageSums, gpuSummarySums } = await import('../../src/domain/gpu.js');
    const whole = [sample(0, '0', '100'), sample(5, '30000000', '100'), sample(10, '60000000', '100')];
    const slice = [{ ...sample(5), gpu: 'g/mig-1', share: d(1).dividedBy(7), namespace: 'team', utilPct: d(50) }];
    const intervals = [...physicalGpuIntervals([whole, slice], 300_000)];
    // 30,000,000 mJ at 1/7 and 6/7, to the millijoule by largest remainder.
    assert.deepEqual(intervals.map((i) => [i.sample.gpu, i.sample.tsMs % 3_600_000 / 60_000, i.energyMj?.toFixed(), i.energyOnly ?? false]),
      [['g', 0, '30000000', false], ['g', 10, '30000000', false], ['g/mig-1', 5, '4285714', false], ['g', 5, '25714286', true]]);
    const range = { startMs: Date.UTC(2026, 9, 1), endMs: Date.UTC(2026, 10, 1) };
    const summary = gpuSummarySums(range, () => null);
    const usage = gpuUsageSums(range);
    for (const i of intervals) {
      summary.add(i);
      usage.add(i);
    }
    const rows = summary.result();
    assert.deepEqual(rows.map((r) => [r.gpu, r.energyMj?.toFixed(), r.energyByOwner?.map(([o, mj]) => `${o}:${mj.toFixed()}`)]),
      [['g', '85714286', [':85714286']], ['g/mig-1', '4285714', ['team:4285714']]]);
    assert.equal(sum(rows.map((r) => r.energyMj!)).toFixed(), '90000000');
    // The team on the slice has its part as a driver; the GPU's unheld rest is nobody's.
    const team = usage.result().find((g) => g.identity.namespace === 'team')!;
    assert.equal(team.quantities.gpu_energy_mj.toFixed(), '4285714');
  });

  it('property: whatever the slices and their shares, the parts add up to the measured energy exactly', async () => {
    const { physicalGpuIntervals } = await import('../../src/domain/gpu.js');
    fc.assert(fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n }), fc.integer({ min: 0, max: 3 }), fc.subarray([1, 2, 3, 4, 7]), (mj, places, sizes) => {
      const energy = new Decimal(mj.toString()).dividedBy(new Decimal(10).pow(places));
      const whole = [sample(0, '0'), sample(5, energy.toFixed())];
      let used = 0;
      const slices = sizes.filter((n) => (used += n) <= 7).map((n, i) => [{ ...sample(0), gpu: `g/mig-${i}`, share: d(n).dividedBy(7) }]);
      const parts = [...physicalGpuIntervals([whole, ...slices], 300_000)].filter((i) => i.sample.tsMs === whole[0]!.tsMs);
      assert.equal(sum(parts.map((i) => i.energyMj ?? d(0))).toFixed(), energy.toFixed());
    }), { numRuns: 200 });
  });
});
