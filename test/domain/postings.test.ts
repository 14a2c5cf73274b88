import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { UsageError } from '../../src/domain/errors.js';
import { journalOf, lastDayOf, type JournalLine } from '../../src/domain/journal.js';
import { Decimal, fromCents } from '../../src/domain/money.js';
import { entriesOf, planExport, postingStatus, type ExportRecord, type ExportRequest, type MonthPostings } from '../../src/domain/postings.js';
import type { StatementLine } from '../../src/domain/types.js';

const PLATFORM = { costCentre: 'PLAT', glAccount: '6100' };

/** A run's lines: a few (centre, pool) rows of any sign. */
const runLines = fc.uniqueArray(
  fc.record({ centre: fc.constantFrom('A', 'B', 'C'), pool: fc.constantFrom('chat', 'gpu'), cents: fc.integer({ min: -50_000, max: 500_000 }) }),
  { maxLength: 6, selector: (r) => `${r.centre}/${r.pool}` },
).map((rows) => rows.map((r): StatementLine => ({ costCentre: r.centre, costCentreName: r.centre, pool: r.pool, method: 'proportional', driver: 'requests',
  quantity: null, unitPrice: null, amount: fromCents(BigInt(r.cents)) })));

/** What a user may do to a month: compute (its lines), close it, or export with some flags. */
const step = fc.oneof(
  runLines.map((lines) => ({ kind: 'compute' as const, lines })),
  fc.constant({ kind: 'close' as const }),
  fc.record({ kind: fc.constant('export' as const), adjustments: fc.boolean(), run: fc.option(fc.nat({ max: 8 }), { nil: undefined }), again: fc.boolean(), force: fc.boolean() }),
);

/** Per (centre, pool), debit less credit of the charge lines, zeros dropped: what the ERP holds. */
function net(journals: readonly JournalLine[]): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const j of journals.filter((l) => l.costCentre !== PLATFORM.costCentre)) {
    const key = `${j.costCentre}/${j.pool}`;
    totals.set(key, (totals.get(key) ?? new Decimal(0)).plus(j.debit).minus(j.credit));
  }
  return new Map([...totals].filter(([, v]) => !v.isZero()).map(([k, v]): [string, string] => [k, v.toFixed(2)]).sort());
}

const figures = (lines: readonly StatementLine[]) => net(journalOf({ document: 'x', month: '2026-10', postingDate: lastDayOf('2026-10') }, lines, PLATFORM));

describe('each journal posted once (issue 28)', () => {
  it('any sequence of computes, closes and exports, posted in the order exported, sums to the latest run, and no document is posted twice', () => {
    fc.assert(fc.property(runLines, fc.array(step, { maxLength: 14 }), (first, steps) => {
      const runs = new Map<number, readonly StatementLine[]>([[1, first]]);
      const month: MonthPostings & { runIds: number[]; exports: ExportRecord[] } = { month: '2026-10', runIds: [1], closedRunId: null, exports: [] };
      const posted: JournalLine[] = [];
      const linesOf = (id: number) => runs.get(id)!;
      const post = (request: ExportRequest) => {
        let plan;
        try {
          plan = planExport(month, request);
        } catch (error) {
          assert.ok(error instanceof UsageError, String(error));
          return;
        }
        const journal = journalOf({ document: plan.kind === 'nothing' ? 'none' : plan.document, month: '2026-10', postingDate: '2026-10-31' }, entriesOf(plan, linesOf), PLATFORM);
        if (plan.kind === 'nothing' || journal.length === 0) return;
        // Only the chained documents are the books; a forced one is knowingly outside them.
        if (plan.kind !== 'forced') {
          assert.ok(request.again || !month.exports.some((e) => e.document === plan.document), `${plan.document} posted twice without --again`);
          posted.push(...journal);
        }
        month.exports.push({ month: '2026-10', runId: plan.runId, baseRunId: plan.baseRunId, document: plan.document, kind: plan.kind, period: '2026-10',
          file: 'stdout', sha256: '', lines: journal.length, exportedAt: '2026-11-01T00:00:00Z' });
      };
      for (const s of steps) {
        if (s.kind === 'compute') {
          const id = month.runIds.length + 1;
          runs.set(id, s.lines);
          month.runIds.push(id);
        } else if (s.kind === 'close') {
          month.closedRunId ??= month.runIds[month.runIds.length - 1]!;
        } else {
          // --again re-posts knowingly: the property holds for what was posted without it.
          post({ adjustments: s.adjustments, force: s.force, again: false, ...(s.run !== undefined && runs.has(s.run) ? { runId: s.run } : {}) });
        }
      }
      const latest = month.runIds[month.runIds.length - 1]!;
      if (month.exports.some((e) => e.kind !== 'forced')) {
        post({ adjustments: true, force: false, again: false });
        assert.deepEqual(net(posted), figures(linesOf(latest)));
        assert.equal(postingStatus(month, linesOf).pending, false);
      }
    }), { numRuns: 400 });
  });

  const month = (over: Partial<MonthPostings> = {}): MonthPostings => ({ month: '2026-10', runIds: [1, 2, 3], closedRunId: 2, exports: [], ...over });
  const exported = (runId: number, baseRunId: number | null, kind: ExportRecord['kind'] = baseRunId === null ? 'books' : 'adjustment'): ExportRecord => ({
    month: '2026-10', runId, baseRunId, document: baseRunId === null ? `chargeback-run-${runId}` : `chargeback-run-${runId}-adjusts-${baseRunId}`,
    kind, period: '2026-10', file: 'journal.csv', sha256: '', lines: 4, exportedAt: '2026-11-02T08:00:00Z' });
  const none: ExportRequest = { adjustments: false, force: false, again: false };
  const cases: { name: string; month: MonthPostings; request: ExportRequest; plan?: object; refused?: RegExp }[] = [
    { name: 'the books of a closed month', month: month(), request: none, plan: { kind: 'books', runId: 2, document: 'chargeback-run-2' } },
    { name: 'the books again', month: month({ exports: [exported(2, null)] }), request: none, refused: /^chargeback-run-2 was exported on 2026-11-02 to journal\.csv: posting it again would count 2026-10 twice \(--again/ },
    { name: 'the books again, asked for', month: month({ exports: [exported(2, null)] }), request: { ...none, again: true }, plan: { kind: 'books', runId: 2 } },
    { name: 'a superseded run', month: month(), request: { ...none, runId: 1 }, refused: /^run 1 is not the books of 2026-10: run 2 is \(it closed the month\)/ },
    { name: 'a superseded run, forced', month: month(), request: { ...none, runId: 1, force: true }, plan: { kind: 'forced', runId: 1, document: 'chargeback-run-1' } },
    { name: 'adjustments before the books', month: month(), request: { ...none, adjustments: true }, refused: /^nothing of 2026-10 has been exported yet: export its books first/ },
    { name: 'adjustments from the books', month: month({ exports: [exported(2, null)] }), request: { ...none, adjustments: true }, plan: { kind: 'adjustment', runId: 3, baseRunId: 2, document: 'chargeback-run-3-adjusts-2' } },
    { name: 'an extra compute hides nothing', month: month({ runIds: [1, 2, 3, 4, 5], exports: [exported(2, null)] }), request: { ...none, adjustments: true }, plan: { kind: 'adjustment', runId: 5, baseRunId: 2 } },
    { name: 'adjustments from the last posted adjustment', month: month({ runIds: [1, 2, 3, 4], exports: [exported(2, null), exported(3, 2)] }), request: { ...none, adjustments: true }, plan: { kind: 'adjustment', runId: 4, baseRunId: 3 } },
    { name: 'nothing pending', month: month({ exports: [exported(2, null), exported(3, 2)] }), request: { ...none, adjustments: true }, plan: { kind: 'nothing', runId: 3 } },
    { name: 'an adjustment already covered', month: month({ runIds: [1, 2, 3, 4], exports: [exported(2, null), exported(4, 2)] }), request: { ...none, runId: 3 }, refused: /^run 3's differences are already posted: 2026-10's journals add up to run 4/ },
    { name: 'an open month exported, then computed again', month: month({ closedRunId: null, exports: [exported(2, null)] }), request: none, refused: /^2026-10's journals were exported up to run 2 \(chargeback-run-2, on 2026-11-02 to journal\.csv\): post run 3's differences with --adjustments/ },
    { name: 'a forced export is not the books', month: month({ exports: [exported(1, null, 'forced')] }), request: none, plan: { kind: 'books', runId: 2 } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      if (c.refused) return assert.throws(() => planExport(c.month, c.request), (e: Error) => e instanceof UsageError && c.refused!.test(e.message));
      const plan = planExport(c.month, c.request);
      assert.deepEqual(Object.fromEntries(Object.keys(c.plan!).map((k) => [k, (plan as Record<string, unknown>)[k]])), c.plan);
    });
  }
});
