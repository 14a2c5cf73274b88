import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal, fromCents } from '../../src/domain/money.js';
import { parseMonth } from '../../src/domain/month.js';
import type { StoredRun } from '../../src/domain/run.js';
import { budgetStandings, topDrivers } from '../../src/domain/showback.js';
import { fromFirstBooks, monthsEndingAt, trendMonth } from '../../src/domain/trend.js';
import type { StatementLine } from '../../src/domain/types.js';
import { readable } from '../../src/report/cells.js';

const line = (costCentre: string, pool: string, amount: string, name = ''): StatementLine =>
  ({ costCentre, costCentreName: name, pool, method: 'proportional', driver: 'requests', quantity: null, unitPrice: null, amount: new Decimal(amount) });

/** Just what the trend reads of a run. */
const runOf = (id: number, month: string, lines: StatementLine[], kind: 'open' | 'closes' = 'open') =>
  ({ id, month, lines, standing: { kind } }) as unknown as StoredRun;

const budget = (costCentre: string, monthly: string) => ({ costCentre, monthly: new Decimal(monthly), alertPct: new Decimal(80), hard: false });

describe('the report trend (issue 33)', () => {
  it('names the months ending at the report month, across a year end', () => {
    const cases: [string, number, string[]][] = [
      ['2026-10', 1, ['2026-10']],
      ['2026-02', 4, ['2025-11', '2025-12', '2026-01', '2026-02']],
      ['2026-12', 3, ['2026-10', '2026-11', '2026-12']],
    ];
    for (const [last, count, expected] of cases) assert.deepEqual(monthsEndingAt(parseMonth(last)!, count), expected, `${last} × ${count}`);
  });

  it('gives a month without books as a gap, never a zero, and starts at the first month with books', () => {
    const months = ['2026-07', '2026-08', '2026-09', '2026-10'].map((month, i) =>
      trendMonth({ month, run: i === 0 || i === 2 ? null : runOf(i, month, [line('A', 'p', '10.00', 'Alpha'), line('B', 'p', '2.50')]), budgets: [], usage: null, tagName: null }, null));
    const trimmed = fromFirstBooks(months);
    assert.deepEqual(trimmed.map((m) => m.month), ['2026-08', '2026-09', '2026-10']);
    assert.equal(trimmed[1]!.total, null);
    assert.equal(trimmed[1]!.byCentre.size, 0);
    assert.equal(trimmed[0]!.total!.toFixed(2), '12.50');
    assert.deepEqual([...trimmed[0]!.names], [['A', 'Alpha']]);
    assert.deepEqual(fromFirstBooks(months.map((m) => ({ ...m, runId: null }))), []);
  });

  it('sums each centre to the cent, the total being the sum of its centres, and keeps that month\'s own budgets', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('A', 'B', 'C'), fc.integer({ min: -100_000, max: 10_000_000 })), { maxLength: 20 }), (rows) => {
      const lines = rows.map(([c, cents], i) => line(c, `p${i}`, fromCents(BigInt(cents)).toFixed(2)));
      const m = trendMonth({ month: '2026-10', run: runOf(3, '2026-10', lines, 'closes'), budgets: [budget('A', '100.00')], usage: null, tagName: null }, null);
      const cents = (d: Decimal) => BigInt(d.times(100).toFixed(0));
      assert.equal(cents(m.total!), rows.reduce((s, [, c]) => s + BigInt(c), 0n));
      assert.equal([...m.byCentre.values()].reduce((s, d) => s + cents(d), 0n), cents(m.total!));
      assert.equal(m.closed, true);
      assert.deepEqual([...m.budgets].map(([c, b]) => [c, b.toFixed(2)]), [['A', '100.00']]);
    }));
  });

  it('shows one centre only when asked', () => {
    const m = trendMonth({ month: '2026-10', run: runOf(1, '2026-10', [line('A', 'p', '1.00'), line('B', 'p', '2.00')]), budgets: [budget('A', '5'), budget('B', '5')], usage: null, tagName: null }, 'B');
    assert.deepEqual([...m.byCentre.keys()], ['B']);
    assert.deepEqual([...m.budgets.keys()], ['B']);
    assert.equal(m.total!.toFixed(2), '2.00');
  });
});

describe('budgets by centre and the organisation\'s drivers (issue 33)', () => {
  it('orders centres by how far each is over its budget: the forecast while open, else what was spent', () => {
    const lines = [line('A', 'p', '50.00'), line('B', 'p', '90.00'), line('C', 'p', '300.00')];
    const budgets = [budget('A', '100.00'), budget('B', '100.00'), budget('C', '200.00')];
    assert.deepEqual(budgetStandings(lines, budgets, null).map((b) => `${b.costCentre} ${b.spent.toFixed(2)}`), ['C 300.00', 'B 90.00', 'A 50.00']);
    // A forecast that doubles A's spend and leaves the others: A (200%) comes first.
    const forecast = (own: readonly StatementLine[]) => (own[0]!.costCentre === 'A' ? new Decimal('200.00') : own[0]!.amount);
    assert.deepEqual(budgetStandings(lines, budgets, forecast).map((b) => b.costCentre), ['A', 'C', 'B']);
  });

  it('lists the largest drivers across centres, each with its centres by share, ties by name', () => {
    const drivers = topDrivers([
      ['A', new Map([['llama', new Decimal('10.00')], ['gpt', new Decimal('3.00')]])],
      ['B', new Map([['gpt', new Decimal('8.00')], ['bge', new Decimal('11.00')]])],
    ], 2);
    assert.deepEqual(drivers.map((d) => [d.key, d.amount.toFixed(2), d.centres]), [['bge', '11.00', ['B']], ['gpt', '11.00', ['B', 'A']]]);
  });
});

describe('unit prices for readers (issue 33)', () => {
  it('keeps four significant digits, or every digit of the whole part', () => {
    const cases: [string, string][] = [
      ['0.00027690376415945108', '0.0002769'],
      ['0.02128', '0.02128'],
      ['35.934343', '35.93'],
      ['28139.0012', '28,139'],
      ['0', '0'],
      ['-0.5', '-0.5'],
      ['1234567.891', '1,234,568'],
    ];
    for (const [value, shown] of cases) assert.equal(readable(new Decimal(value)), shown, value);
  });
});
