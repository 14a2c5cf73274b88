import { noQuantities } from '../../src/domain/drivers.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { attribute, splitAmount, unitCosts, usageCounts } from '../../src/domain/attribution.js';
import { forecastOf } from '../../src/domain/budgets.js';
import type { LineBreakdown } from '../../src/domain/explain.js';
import { Decimal, sum } from '../../src/domain/money.js';
import type { StatementLine, UsageGroup } from '../../src/domain/types.js';

const d = (text: string | number) => new Decimal(text);
const line = (pool: string, method: string, amount: string): StatementLine =>
  ({ costCentre: 'CC-1', costCentreName: '', pool, method, driver: 'tokens', quantity: d(1), unitPrice: null, amount: d(amount) });
const breakdown = (byModel: [string, number][]): LineBreakdown =>
  ({ total: sum(byModel.map(([, q]) => d(q))), byModel: byModel.map(([k, q]) => [k, d(q)]), byIdentity: [], byDay: [], byTag: [] });

describe('attribution: money by model, day or tag (issue 19)', () => {
  const cases: [string, string, [string, number][], [string, string][] | null][] = [
    ['an even split', '10.00', [['a', 1], ['b', 1]], [['a', '5'], ['b', '5']]],
    ['a cent left over goes to the larger remainder', '10.00', [['a', 1], ['b', 2]], [['a', '3.33'], ['b', '6.67']]],
    ['a negative amount splits with its sign', '-0.05', [['a', 1], ['b', 1]], [['a', '-0.03'], ['b', '-0.02']]],
    ['keys without quantity take nothing', '1.00', [['a', 0], ['b', 3]], [['b', '1']]],
    ['no quantity at all: no split', '1.00', [['a', 0]], null],
  ];
  for (const [name, amount, shares, expected] of cases) {
    it(name, () => {
      const split = splitAmount(d(amount), shares.map(([k, q]) => [k, d(q)] as [string, Decimal]));
      assert.deepEqual(split && [...split].map(([k, v]) => [k, v.toFixed()]).sort(), expected && expected.map(([k, v]) => [k, d(v).toFixed()]));
    });
  }

  it('splits add up to the amount to the cent, whatever the shares (property)', () => {
    fc.assert(fc.property(fc.integer({ min: -10_000_000, max: 10_000_000 }), fc.array(fc.integer({ min: 0, max: 1_000_000 }), { minLength: 1, maxLength: 12 }), (cents, weights) => {
      const split = splitAmount(d(cents).dividedBy(100), weights.map((w, i) => [`k${i}`, d(w)] as [string, Decimal]));
      if (weights.every((w) => w === 0)) return assert.equal(split, null);
      assert.ok(sum(split!.values()).equals(d(cents).dividedBy(100)));
      for (const part of split!.values()) assert.ok(part.decimalPlaces() <= 2 && (part.isZero() || part.isNegative() === cents < 0));
    }));
  });

  it('attributes what has usage behind it and keeps the rest apart: Σ keys + unattributed = Σ lines', () => {
    const lines = [line('chat', 'proportional', '100.00'), line('chat', 'idle', '7.00'), line('platform', 'hybrid', '50.00')];
    const got = attribute(lines, (l) => (l.pool === 'chat' ? breakdown([['llama', 3], ['gpt', 1]]) : null), 'byModel');
    assert.deepEqual([...got.byKey].map(([k, v]) => [k, v.toFixed(2)]).sort(), [['gpt', '25.00'], ['llama', '75.00']]);
    assert.equal(got.unattributed.toFixed(2), '57.00');
  });

  it('prices a key per request and per 1M tokens, costliest first, and says when there is nothing to divide by', () => {
    const group = (model: string, requests: number, tokens: number): UsageGroup => ({
      source: 'gateway', identity: {}, model, tags: {},
      quantities: { ...noQuantities(), requests: d(requests), input_tokens: d(tokens) },
    });
    const counts = usageCounts([group('a', 3, 2_000_000), group('a', 1, 0), group('b', 0, 0)], (g) => g.model!);
    const rows = unitCosts(new Map([['a', d('10.00')], ['b', d('1.00')], ['c', d('0.50')]]), counts);
    assert.deepEqual(rows.map((r) => [r.key, r.cost.toFixed(2), r.requests.toFixed(), r.perRequest?.toFixed(6) ?? null, r.perMillionTokens?.toFixed(4) ?? null]), [
      ['a', '10.00', '4', '2.500000', '5.0000'],
      ['b', '1.00', '0', null, null],
      ['c', '0.50', '0', null, null],
    ]);
  });

  it('forecasts the month end from the lines priced so far: price methods grow, splits stay', () => {
    const range = { startMs: Date.UTC(2026, 9, 1), endMs: Date.UTC(2026, 10, 1) };
    const lines = [line('api', 'tiered', '10.00'), line('chat', 'proportional', '100.00')];
    assert.equal(forecastOf(lines, range, Date.UTC(2026, 9, 11)).toFixed(2), '131.00');
    assert.equal(forecastOf(lines, range, range.endMs).toFixed(2), '110.00');
  });
});

describe('attribution of a price list by model (issue 35)', () => {
  const priced: StatementLine = {
    ...line('api', 'price-list', '10.01'), quantity: null,
    parts: [
      { what: 'gpt-4o input: 1000000 × 2.5 per 1M', amount: d('2.5'), model: 'gpt-4o' },
      { what: 'gpt-4o output: 500000 × 10 per 1M', amount: d('5'), model: 'gpt-4o' },
      { what: 'o3 input: 1254000 × 2 per 1M', amount: d('2.508'), model: 'o3' },
      { what: 'rounding half-up to the cent, once for the line', amount: d('0.002') },
    ],
  };
  it('shares the line by what each model\'s terms came to, to the cent, adding up to the line', () => {
    const { byKey, unattributed } = attribute([priced], () => null, 'byModel');
    assert.deepEqual([...byKey].map(([k, v]) => [k, v.toFixed(2)]), [['gpt-4o', '7.50'], ['o3', '2.51']]);
    assert.equal(unattributed.toFixed(2), '0.00');
  });
  it('by day or tag its terms say nothing: unattributed, as before; a run stored before terms kept their model, too', () => {
    assert.equal(attribute([priced], () => null, 'byDay').unattributed.toFixed(2), '10.01');
    const stored = { ...priced, parts: priced.parts!.map(({ what, amount }) => ({ what, amount })) };
    assert.equal(attribute([stored], () => null, 'byModel').unattributed.toFixed(2), '10.01');
  });
});
