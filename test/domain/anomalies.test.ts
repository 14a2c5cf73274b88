import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeAnomaly, findAnomalies, findCostAnomalies } from '../../src/domain/anomalies.js';
import { DAY_TOTAL, dayKey, lineKey, type LineDays } from '../../src/domain/breakdowns.js';
import { Decimal } from '../../src/domain/money.js';
import type { StatementLine } from '../../src/domain/types.js';
import { cliIn, workspace } from '../e2e/cli.js';
import { card, events } from './helpers.js';

const day = (d: number) => `2026-10-${String(d).padStart(2, '0')}`;
const usage = (team: string, d: number, tokens: number) => ({ day: d <= 0 ? `2026-09-${30 + d}` : day(d), group: events(team, 'm', { input_tokens: tokens }) });
const POOL = '  - { id: p, cost: { fixed: "11400.00" }, method: proportional, driver: tokens }';

describe('usage anomalies: a day at 3× or more of the trailing 7-day median', () => {
  // team a: 100 tokens a day from 28 Sep to 7 Oct; 350 on 8 Oct (median 100 → 3.5×: flagged);
  //         250 on 9 Oct (previous 7: 100 ×6 and 350 → median 100 → 2.5×: not flagged)
  // team b: first seen 7 Oct with 100, then 10,000 on 8 Oct: fewer than 3 days before it → not flagged
  const days = [
    ...[-2, -1, 0, 1, 2, 3, 4, 5, 6, 7].map((d) => usage('a', d, 100)), usage('a', 8, 350), usage('a', 9, 250),
    usage('b', 7, 100), usage('b', 8, 10_000),
  ];
  const found = findAnomalies(card(POOL), days, '2026-10');

  it('flags the jump in tokens, reads the window across the month boundary, and spares new teams', async () => {
    assert.deepEqual(found.map((a) => [a.costCentre, a.day, a.measure, a.value.toFixed(), a.trailingMedian.toFixed(), a.ratio.toFixed()]), [['A', '2026-10-08', 'tokens', '350', '100', '3.5']]);
    assert.equal(describeAnomaly(found[0]!), 'anomaly: A used 350 tokens on 2026-10-08, 3.5× the median 100 of its previous 7 days');
  });

  it('compute and budgets judge the day by its cost, and the card sets the factor, the look-back and a least amount', async () => {
    const { dir } = workspace();
    const rows = days.map(({ day: d, group }, i) => `${d}T12:00:00Z,r${i},,u,${group.identity.team},,m,${group.quantities.input_tokens.toFixed()},0,1,ok,,prod`);
    writeFileSync(join(dir, 'u.csv'), `timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment\n${rows.join('\n')}\n`);
    await cliIn(dir, ['ingest', join(dir, 'u.csv'), '--source', 'gateway']);
    const cardWith = (extra: string) => {
      writeFileSync(join(dir, 'card.yaml'), `version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: A, name: Alpha, match: { team: [a] } }\n  - { id: B, name: Beta, match: { team: [b] } }\npools:\n${POOL}\nbudgets:\n  - { cost_centre: A, monthly: "100.00" }\n${extra}`);
      return join(dir, 'card.yaml');
    };
    // A's 1,300 tokens of October's 11,400 cost 1,300.00: 350.00 on the 8th, against days before priced at 1.00 a token.
    const compute = await cliIn(dir, ['compute', '--month', '2026-10', '--dry-run', '--rate-card', cardWith('')]);
    assert.match(compute.stderr, /warning: anomaly: A spent 350\.00 on 2026-10-08, 3\.5× the median 100\.00 of its previous 7 days; the largest rise: model m \(\+250\.00\)\n/);
    assert.doesNotMatch(compute.stderr, /anomaly: B/);
    const budgets = await cliIn(dir, ['budgets', '--month', '2026-10', '--rate-card', cardWith('')]);
    assert.match(budgets.stderr, /warning: anomaly: A spent 350\.00 on 2026-10-08/);
    const cases: [string, boolean][] = [
      ['anomalies: { min_amount: "350.00" }', true],
      ['anomalies: { min_amount: "350.01" }', false],
      ['anomalies: { factor: "3.5" }', true],
      ['anomalies: { factor: "3.6" }', false],
      // Looking back 3 days, the 8th's median is still 100.00.
      ['anomalies: { look_back_days: 3 }', true],
    ];
    for (const [extra, flagged] of cases) {
      const run = await cliIn(dir, ['compute', '--month', '2026-10', '--dry-run', '--rate-card', cardWith(extra)]);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(/anomaly: A spent/.test(run.stderr), flagged, extra);
    }
    for (const [extra, message] of [
      ['anomalies: { factor: "1" }', /anomalies\.factor: expected more than 1/],
      ['anomalies: { look_back_days: 2 }', /anomalies\.look_back_days: expected a whole number of days from 3 to 31, got 2/],
      ['anomalies: { min_amount: 5 }', /anomalies\.min_amount: expected a decimal string/],
      ['anomalies: { window: 7 }', /unknown key "window"/],
      ['variances: { pct: "-1" }', /variances\.pct/],
    ] as const) {
      const refused = await cliIn(dir, ['ratecard', 'validate', cardWith(extra)]);
      assert.notEqual(refused.code, 0, extra);
      assert.match(refused.stderr, message, extra);
    }
  });
});

describe('cost anomalies (issue 33)', () => {
  const line = (pool: string, amount: string): StatementLine =>
    ({ costCentre: 'A', costCentreName: 'Alpha', pool, method: 'proportional', driver: 'tokens', quantity: null, unitPrice: null, amount: new Decimal(amount) });
  /** A line's quantity by day, all of it on one model. */
  const daysOf = (model: string, byDay: Record<number, number>): LineDays => ({
    total: BigInt(Object.values(byDay).reduce((s, q) => s + q, 0)),
    byDay: new Map(Object.entries(byDay).map(([d, q]) => [day(Number(d)), new Map([[DAY_TOTAL, BigInt(q)], [dayKey('model', model), BigInt(q)]])])),
  });
  const ten = (q: (d: number) => number) => Object.fromEntries(Array.from({ length: 10 }, (_, i) => [i + 1, q(i + 1)]).filter(([, v]) => v !== 0));

  it('flags a day whose tokens moved to a dearer model, which the tokens alone never show, and names the model', async () => {
    // 1,000 tokens every day; on the 8th, 300 of them on the dear model, which costs 900.00.
    const lines = [line('cheap', '100.00'), line('dear', '900.00')];
    const days = new Map([
      [lineKey('A', 'cheap'), daysOf('small', ten((d) => (d === 8 ? 700 : 1000)))],
      [lineKey('A', 'dear'), daysOf('large', { 8: 300 })],
    ]);
    const owner = Array.from({ length: 10 }, (_, i) => usage('a', i + 1, 1000));
    const rules = card(POOL);
    assert.deepEqual(findAnomalies(rules, owner, '2026-10'), []);
    const found = findCostAnomalies(rules, lines, () => days, owner, '2026-10');
    assert.deepEqual(found.map((a) => [a.day, a.measure, a.value.toFixed(2), a.trailingMedian.toFixed(2), a.driver?.axis, a.driver?.key, a.driver?.amount.toFixed(2)]),
      [['2026-10-08', 'cost', '907.22', '10.31', 'model', 'large', '900.00']]);
  });

  it('flags nothing in a month whose cost follows its tokens evenly', async () => {
    const days = new Map([[lineKey('A', 'p'), daysOf('m', ten(() => 1000))]]);
    assert.deepEqual(findCostAnomalies(card(POOL), [line('p', '1000.00')], () => days, Array.from({ length: 10 }, (_, i) => usage('a', i + 1, 1000)), '2026-10'), []);
  });
});
