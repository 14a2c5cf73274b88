import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { adjustmentLines, adjustmentsAgainst } from '../../src/domain/adjustments.js';
import { journalOf, lastDayOf, type JournalLine } from '../../src/domain/journal.js';
import { Decimal, fromCents } from '../../src/domain/money.js';
import type { StatementLine } from '../../src/domain/types.js';

const PLATFORM = { costCentre: 'PLAT', glAccount: '6100' };
const CENTRES = ['A', 'B', 'C', 'UNALLOC'];
const POOLS = ['chat', 'embed', 'gpu'];

/** A run's lines: some (centre, pool) rows, amounts of any sign, the unallocated centre sometimes with an idle row too. */
const runLines = fc.array(
  fc.record({ centre: fc.constantFrom(...CENTRES), pool: fc.constantFrom(...POOLS), cents: fc.integer({ min: -500_000, max: 5_000_000 }), idle: fc.boolean() }),
  { maxLength: 14 },
).map((rows) => {
  const seen = new Set<string>();
  return rows.flatMap(({ centre, pool, cents, idle }): StatementLine[] => {
    const method = centre === 'UNALLOC' && idle ? 'idle' : 'proportional';
    if (seen.has(`${centre}/${pool}/${method}`)) return [];
    seen.add(`${centre}/${pool}/${method}`);
    return [{ costCentre: centre, costCentreName: `${centre} name`, pool, method, driver: 'requests', quantity: null, unitPrice: null, amount: fromCents(BigInt(cents)) }];
  });
});

/** What a set of journals posts in total, per (cost centre, pool): debit less credit, zeros dropped. */
function net(journals: readonly JournalLine[][]): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const j of journals.flat()) {
    const key = `${j.costCentre}/${j.pool}`;
    totals.set(key, (totals.get(key) ?? new Decimal(0)).plus(j.debit).minus(j.credit));
  }
  const entries = [...totals].filter(([, v]) => !v.isZero()).map(([k, v]): [string, string] => [k, v.toFixed(2)]);
  return new Map(entries.sort((a, b) => (a[0] < b[0] ? -1 : 1)));
}

const heading = (document: string) => ({ document, month: '2026-10', postingDate: lastDayOf('2026-11') });

describe('adjustment journals (SPEC §5)', () => {
  it('the closed journal plus every adjustment journal posts exactly the latest run', () => {
    fc.assert(
      fc.property(fc.array(runLines, { minLength: 1, maxLength: 5 }), (runs) => {
        const closed = journalOf(heading('run-0'), runs[0]!, PLATFORM);
        const adjustments = runs.slice(1).map((lines, i) =>
          journalOf(heading(`run-${i + 1}`), adjustmentLines(runs[i]!, lines).map((a) => ({ ...a, method: 'adjustment' })), PLATFORM));
        const latest = journalOf(heading('latest'), runs[runs.length - 1]!, PLATFORM);
        assert.deepEqual(net([closed, ...adjustments]), net([latest]));
        for (const journal of adjustments) {
          const debits = journal.reduce((s, j) => s.plus(j.debit), new Decimal(0));
          assert.equal(debits.toFixed(2), journal.reduce((s, j) => s.plus(j.credit), new Decimal(0)).toFixed(2), 'each adjustment journal balances');
        }
      }),
      { numRuns: 300 },
    );
  });

  it('an adjustment holds only what changed: a centre\'s own and idle rows in a pool are one difference', () => {
    const line = (costCentre: string, pool: string, method: string, amount: string): StatementLine =>
      ({ costCentre, costCentreName: costCentre, pool, method, driver: 'requests', quantity: null, unitPrice: null, amount: new Decimal(amount) });
    const books = [line('A', 'chat', 'proportional', '60.00'), line('U', 'chat', 'proportional', '10.00'), line('U', 'chat', 'idle', '30.00'), line('B', 'embed', 'proportional', '5.00')];
    const later = [line('A', 'chat', 'proportional', '70.00'), line('U', 'chat', 'proportional', '10.00'), line('U', 'chat', 'idle', '20.00'), line('B', 'embed', 'proportional', '5.00')];
    assert.deepEqual(adjustmentLines(books, later).map((a) => [a.costCentre, a.pool, a.amount.toFixed(2)]), [['A', 'chat', '10.00'], ['U', 'chat', '-10.00']]);
    assert.deepEqual(adjustmentsAgainst(books, later).map((a) => [a.costCentre, a.amount.toFixed(2)]), [['A', '10.00'], ['U', '-10.00']]);
    assert.deepEqual(adjustmentLines(books, books), []);
  });
});
