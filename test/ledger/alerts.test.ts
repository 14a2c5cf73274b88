import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { alertKey, alertMessage, alertsCrossed } from '../../src/domain/alerts.js';
import { budgetReports } from '../../src/domain/budgets.js';
import { Decimal } from '../../src/domain/money.js';
import { monthRange, parseMonth } from '../../src/domain/month.js';
import type { Budget, StatementLine } from '../../src/domain/types.js';
import { DeliveryFailed, sendAlerts, type Delivery } from '../../src/cli/notify.js';
import { claimAlert, sentAlerts } from '../../src/ledger/alerts.js';
import { openLedger } from '../../src/ledger/open.js';

/*
 * A month of cron runs from two hosts sharing one ledger: spend moves up and down, sends
 * fail at random. Each threshold crossed on a run whose send succeeded is delivered exactly
 * once, never one not crossed when it was sent; one that failed is retried until delivered.
 */
const MONTH = parseMonth('2026-12')!;
const RANGE = monthRange(MONTH);
const BUDGETS: Budget[] = [
  { costCentre: 'A', monthly: new Decimal('1000.00'), alertPct: new Decimal(80), hard: false, alertAt: [50, 80, 90, 100].map((n) => new Decimal(n)) },
  { costCentre: 'B', monthly: new Decimal('300.00'), alertPct: new Decimal(75), hard: true },
];

const line = (costCentre: string, cents: number): StatementLine => ({
  costCentre, costCentreName: '', pool: 'p', method: 'proportional', driver: 'tokens', quantity: null, unitPrice: null, amount: new Decimal(cents).dividedBy(100),
});

const run = fc.record({ host: fc.constantFrom(0, 1), a: fc.integer({ min: 0, max: 130_000 }), b: fc.integer({ min: 0, max: 40_000 }), day: fc.integer({ min: 1, max: 31 }), fails: fc.array(fc.boolean(), { maxLength: 8 }) });

describe('budget alerts across runs and hosts', () => {
  it('sends each threshold exactly once, only once crossed, retrying a failed send', async () => {
    await fc.assert(fc.asyncProperty(fc.array(run, { minLength: 1, maxLength: 25 }), async (runs) => {
      const dir = mkdtempSync(join(tmpdir(), 'cb-alerts-'));
      const path = join(dir, 'ledger.db');
      openLedger(path, { create: true }).close();
      const hosts = [openLedger(path, { create: false }), openLedger(path, { create: false })];
      try {
        const delivered: string[] = [];
        const owed = new Set<string>();
        for (const r of runs) {
          const asOf = Math.min(RANGE.startMs + r.day * 86_400_000, RANGE.endMs);
          const reports = budgetReports(BUDGETS, [line('A', r.a), line('B', r.b)], RANGE, asOf);
          const crossedNow = alertsCrossed(MONTH.label, BUDGETS, reports);
          const due = crossedNow.map((alert) => ({ alert, message: alertMessage(alert, reports.find((x) => x.costCentre === alert.costCentre)!, '', 'USD', asOf) }));
          let attempt = 0;
          const delivery: Delivery = {
            target: 'test', timeoutMs: 1000,
            send: async (message) => {
              if (r.fails[attempt++] === true) throw new DeliveryFailed('answered HTTP 500');
              delivered.push(`${message.month}|${message.cost_centre}|${message.kind}|${message.threshold_pct}`);
            },
          };
          const outcome = await sendAlerts(hosts[r.host]!, due, delivery, () => new Date(asOf));
          for (const alert of crossedNow) owed.add(alertKey(alert));
          // Whatever was sent was crossed on this run.
          for (const alert of outcome.sent) assert.ok(crossedNow.some((c) => alertKey(c) === alertKey(alert)));
        }
        // Never twice.
        assert.equal(new Set(delivered).size, delivered.length, `sent twice: ${delivered.join(', ')}`);
        const recorded = sentAlerts(hosts[0]!, MONTH.label).map((a) => `${a.month}|${a.costCentre}|${a.kind}|${a.threshold}`);
        assert.deepEqual([...recorded].sort(), [...delivered].sort());
        // A last run that never fails delivers everything still owed, and nothing else.
        const before = delivered.length;
        const last = runs[runs.length - 1]!;
        const asOf = RANGE.endMs;
        const reports = budgetReports(BUDGETS, [line('A', last.a), line('B', last.b)], RANGE, asOf);
        const due = alertsCrossed(MONTH.label, BUDGETS, reports).map((alert) => ({ alert, message: alertMessage(alert, reports.find((x) => x.costCentre === alert.costCentre)!, '', 'USD', asOf) }));
        await sendAlerts(hosts[1]!, due, { target: 'test', timeoutMs: 1000, send: async (m) => void delivered.push(`${m.month}|${m.cost_centre}|${m.kind}|${m.threshold_pct}`) }, () => new Date(asOf));
        assert.equal(new Set(delivered).size, delivered.length);
        for (const alert of due) assert.ok(delivered.includes(alertKey(alert.alert)), `${alertKey(alert.alert)} owed and never delivered`);
        assert.ok(delivered.slice(before).every((k) => !delivered.slice(0, before).includes(k)));
      } finally {
        for (const h of hosts) h.close();
        rmSync(dir, { recursive: true, force: true });
      }
    }), { numRuns: 40 });
  });

  it('a claim is taken by one host; a stale claim (its sender died) by exactly one other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cb-alerts-'));
    const path = join(dir, 'ledger.db');
    openLedger(path, { create: true }).close();
    const [a, b] = [openLedger(path, { create: false }), openLedger(path, { create: false })];
    try {
      const row = { month: '2026-12', costCentre: 'A', kind: 'spend' as const, threshold: '80' };
      assert.equal(claimAlert(a, row, 'one', '2026-12-20T00:00:00.000Z', '2026-12-19T23:58:00.000Z'), true);
      assert.equal(claimAlert(b, row, 'two', '2026-12-20T00:00:30.000Z', '2026-12-19T23:58:30.000Z'), false, 'a fresh claim is left alone');
      assert.equal(claimAlert(b, row, 'two', '2026-12-20T00:05:00.000Z', '2026-12-20T00:03:00.000Z'), true, 'a stale claim is taken over');
      assert.equal(claimAlert(a, row, 'three', '2026-12-20T00:05:00.000Z', '2026-12-20T00:03:00.000Z'), false, 'by one host only');
    } finally {
      a.close();
      b.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
