import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chargeback, fixture, workspace } from './cli.js';

/*
 * On the SPEC example (see spec-example.test.ts): CC-4100 spends 10,188.73 in October, of which
 * price-method lines 22.00 + 1,010.80 + 500.00 = 1,532.80 and split lines 8,655.93 (+ 0.00).
 * As of 12 October 00:00 UTC, 11 of 31 days have passed: forecast = 8,655.93 + 1,532.80 × 31/11
 * = 8,655.93 + 4,319.709… = 12,975.64. CC-4200 spends 7,496.67: split 6,344.07 + price lines
 * (94.00 + 558.60 + 500.00 = 1,152.60) × 31/11 = 3,248.236… → 9,592.31.
 */
function setup(budgets: string) {
  const { dir } = workspace();
  chargeback(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
  const card = join(dir, 'card.yaml');
  const text = readFileSync(fixture('spec-example/ratecard.yaml'), 'utf8');
  writeFileSync(card, `${text.slice(0, text.indexOf('budgets:'))}budgets:\n${budgets}`);
  return (args: string[] = []) => chargeback(dir, ['budgets', '--month', '2026-10', '--rate-card', card, '--as-of', '2026-10-12T00:00:00Z', ...args]);
}

describe('budgets', () => {
  it('exits 1 when a hard budget is exceeded, naming it', () => {
    const run = setup('  - { cost_centre: CC-4100, monthly: "10000.00", alert_pct: 80, hard: true }\n')();
    assert.equal(run.code, 1);
    assert.match(run.stdout, /│ CC-4100 +│ +10000\.00 │ 10188\.73 │ 101\.9% │ 12975\.64 │ exceeded │ exceeded +│ yes +│/);
    assert.equal(run.stderr, 'chargeback: hard budget exceeded: CC-4100 spent 10188.73 of 10000.00\n');
  });

  it('exits 0 when only alerts fire (a soft budget exceeded, a hard one past its alert line)', () => {
    const run = setup('  - { cost_centre: CC-4100, monthly: "12000.00", alert_pct: 80, hard: true }\n  - { cost_centre: CC-4200, monthly: "7000.00" }\n')(['--format', 'json']);
    assert.equal(run.code, 0, run.stderr);
    const { budgets } = JSON.parse(run.stdout);
    assert.deepEqual(budgets.map((b: Record<string, unknown>) => [b.cost_centre, b.spent, b.percent_used, b.forecast, b.status, b.forecast_status]), [
      ['CC-4100', '10188.73', '84.9', '12975.64', 'alert', 'exceeded'],
      ['CC-4200', '7496.67', '107.1', '9592.31', 'exceeded', 'exceeded'],
    ]);
  });

  it('a budget for a centre the card does not have is a card error with its line', () => {
    const run = setup('  - { cost_centre: CC-9999, monthly: "1.00" }\n')();
    assert.equal(run.code, 2);
    assert.match(run.stderr, /card\.yaml:\d+: budgets\[0\]\.cost_centre: "CC-9999" is not a cost centre of this card/);
  });
});
