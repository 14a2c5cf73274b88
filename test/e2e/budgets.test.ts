import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chargeback, fixture, workspace } from './cli.js';

/*
 * On the SPEC example (see spec-example.test.ts): CC-4100 spends 10,188.73 in October, CC-4200
 * 7,496.67. As of the month's end the forecast is the spend itself.
 */
function setup(budgets: string, events = readFileSync(fixture('spec-example/gateway-2026-10.csv'), 'utf8')) {
  const { dir } = workspace();
  writeFileSync(join(dir, 'gateway.csv'), events);
  chargeback(dir, ['ingest', join(dir, 'gateway.csv'), '--source', 'gateway']);
  const card = join(dir, 'card.yaml');
  const text = readFileSync(fixture('spec-example/ratecard.yaml'), 'utf8');
  writeFileSync(card, `${text.slice(0, text.indexOf('budgets:'))}budgets:\n${budgets}`);
  return (args: string[] = []) => chargeback(dir, ['budgets', '--month', '2026-10', '--rate-card', card, ...args]);
}

const BUDGETS = '  - { cost_centre: CC-4100, monthly: "12000.00", alert_pct: 80, hard: true }\n  - { cost_centre: CC-4200, monthly: "7000.00" }\n';

describe('budgets', () => {
  it('exits 1 when a hard budget is exceeded, naming it', () => {
    const run = setup('  - { cost_centre: CC-4100, monthly: "10000.00", alert_pct: 80, hard: true }\n')(['--as-of', '2026-11-01T00:00:00Z', '--wide']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /│ CC-4100 +│ exceeded │ +10000\.00 │ 10188\.73 │ 101\.9% │ 10188\.73 │ exceeded +│ yes +│/);
    assert.equal(run.stderr, 'chargeback: hard budget exceeded: CC-4100 spent 10188.73 of 10000.00\n');
  });

  it('exits 0 when only alerts fire (a soft budget exceeded, a hard one past its alert line)', () => {
    const run = setup(BUDGETS)(['--format', 'json', '--as-of', '2026-11-01']);
    assert.equal(run.code, 0, run.stderr);
    const { budgets } = JSON.parse(run.stdout);
    assert.deepEqual(budgets.map((b: Record<string, unknown>) => [b.cost_centre, b.spent, b.percent_used, b.forecast, b.status, b.forecast_status]), [
      ['CC-4100', '10188.73', '84.9', '10188.73', 'alert', 'alert'],
      ['CC-4200', '7496.67', '107.1', '7496.67', 'exceeded', 'exceeded'],
    ]);
  });

  it('--as-of counts only usage before that instant: the same as a ledger that holds only the earlier events', () => {
    const all = readFileSync(fixture('spec-example/gateway-2026-10.csv'), 'utf8').trim().split('\n');
    const before = [all[0]!, ...all.slice(1).filter((row) => row.slice(0, 10) < '2026-10-12')];
    assert.ok(before.length > 2 && before.length < all.length, 'the cut falls inside the month');
    const asOf = ['--format', 'json', '--as-of', '2026-10-12'];
    const cut = setup(BUDGETS)(asOf);
    assert.equal(cut.code, 0, cut.stderr);
    assert.equal(cut.stdout, setup(BUDGETS, `${before.join('\n')}\n`)(asOf).stdout);
    assert.notEqual(cut.stdout, setup(BUDGETS)(['--format', 'json', '--as-of', '2026-11-01']).stdout);
    // A date is its midnight in the card's zone, the same instant as the time.
    assert.equal(setup(BUDGETS)(['--format', 'json', '--as-of', '2026-10-12T00:00:00Z']).stdout, cut.stdout);
  });

  it('refuses an --as-of outside the month, in one line (exit 2)', () => {
    for (const [asOf, said] of [['2026-09-15', '--as-of 2026-09-15'], ['2026-10-01T00:00:00Z', '--as-of 2026-10-01T00:00:00Z'], ['2026-11-02', '--as-of 2026-11-02']]) {
      const run = setup(BUDGETS)(['--as-of', asOf!]);
      assert.equal(run.code, 2);
      assert.equal(run.stderr, `chargeback: ${said} is not within 2026-10 (2026-10-01T00:00:00.000Z to 2026-11-01T00:00:00.000Z, the card's zone UTC): budgets are judged after the month starts and by its end (see "chargeback budgets --help")\n`);
    }
    assert.match(setup(BUDGETS)(['--as-of', 'soon']).stderr, /^chargeback: --as-of: expected a date or a time such as 2026-10-15 or 2026-10-15T12:00:00Z, got "soon" \(see "chargeback budgets --help"\)\n$/);
  });

  it('a budget for a centre the card does not have is a card error with its line', () => {
    const run = setup('  - { cost_centre: CC-9999, monthly: "1.00" }\n')();
    assert.equal(run.code, 2);
    assert.match(run.stderr, /card\.yaml:\d+: budgets\[0\]\.cost_centre: "CC-9999" is not a cost centre of this card/);
  });
});
