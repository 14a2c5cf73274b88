import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alertKey, alertMessage, alertsCrossed, thresholdsOf } from '../../src/domain/alerts.js';
import type { BudgetReport } from '../../src/domain/budgets.js';
import { Decimal } from '../../src/domain/money.js';
import type { Budget } from '../../src/domain/types.js';

const d = (text: string) => new Decimal(text);
const budget = (over: Partial<Budget> = {}): Budget => ({ costCentre: 'CC-4100', monthly: d('20000.00'), alertPct: d('80'), hard: true, ...over });
const report = (spend: string, forecast = spend, monthly = '20000.00'): BudgetReport => ({
  costCentre: 'CC-4100', monthly: d(monthly), spend: d(spend), forecast: d(forecast),
  percentUsed: d(spend).dividedBy(monthly).times(100).toDecimalPlaces(1, Decimal.ROUND_HALF_UP), status: 'ok', forecastStatus: 'ok', hard: true,
});
const crossed = (b: Budget, r: BudgetReport) => alertsCrossed('2026-12', [b], [r]).map((a) => `${a.kind}:${a.threshold.toFixed()}`);

describe('budget alerts', () => {
  it('thresholds: alert_at as listed, else alert_pct and 100, once each', () => {
    assert.deepEqual(thresholdsOf(budget({ alertAt: [d('80'), d('90'), d('100')] })).map(String), ['80', '90', '100']);
    assert.deepEqual(thresholdsOf(budget()).map(String), ['80', '100']);
    assert.deepEqual(thresholdsOf(budget({ alertPct: d('100') })).map(String), ['100']);
  });

  const cases: [string, string, string, string[]][] = [
    ['nothing spent', '0.00', '0.00', []],
    ['a cent below 80%', '15999.99', '15999.99', []],
    ['exactly 80%', '16000.00', '16000.00', ['spend:80']],
    ['past 90%, forecast at the budget (not over)', '18000.01', '20000.00', ['spend:80', 'spend:90']],
    ['forecast a cent over', '10000.00', '20000.01', ['forecast:100']],
    ['exactly the budget: 100% crossed', '20000.00', '20000.00', ['spend:80', 'spend:90', 'spend:100']],
    ['over', '25000.00', '31000.00', ['spend:80', 'spend:90', 'spend:100', 'forecast:100']],
  ];
  for (const [name, spend, forecast, expected] of cases) {
    it(`crossed: ${name}`, () => {
      assert.deepEqual(crossed(budget({ alertAt: [d('80'), d('90'), d('100')] }), report(spend, forecast)), expected);
    });
  }

  it('a fractional threshold is compared exactly', () => {
    assert.deepEqual(crossed(budget({ alertAt: [d('33.5')] }), report('6699.99')), []);
    assert.deepEqual(crossed(budget({ alertAt: [d('33.5')] }), report('6700.00')), ['spend:33.5']);
  });

  it('keys name month, centre, kind and threshold; the message carries text and the figures', () => {
    const [alert] = alertsCrossed('2026-12', [budget({ alertAt: [d('90')] })], [report('18500.00', '21000.00')]);
    assert.equal(alertKey(alert!), '2026-12|CC-4100|spend|90');
    const message = alertMessage(alert!, report('18500.00', '21000.00'), 'Search', 'USD', Date.parse('2026-12-20T00:00:00Z'));
    assert.equal(message.text, 'Budget alert: Search (CC-4100) has used 92.5% of its 2026-12 budget, past 90% (18500.00 of 20000.00 USD spent, forecast 21000.00)');
    assert.deepEqual({ ...message, text: undefined }, {
      text: undefined, kind: 'spend', month: '2026-12', cost_centre: 'CC-4100', cost_centre_name: 'Search', threshold_pct: '90', percent_used: '92.5',
      spent: '18500.00', forecast: '21000.00', budget: '20000.00', currency: 'USD', hard: true, as_of: '2026-12-20T00:00:00.000Z',
    });
  });
});
