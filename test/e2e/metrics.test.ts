import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { attribute } from '../../src/domain/attribution.js';
import { Decimal } from '../../src/domain/money.js';
import { openLedger } from '../../src/ledger/open.js';
import { findRun } from '../../src/ledger/runs.js';
import { cliIn, fixture, workspace } from './cli.js';
import { parsePrometheusText, type Sample } from './prometheus-text.js';

/*
 * The demo's October (gateway logs, API usage, bills) under the example card, with a centre
 * whose name needs every escape and a second budget: metrics and budgets -f json at one
 * instant must say the same.
 */
const NAME = 'Support "bots" \\ helpdesk';

async function setup() {
  const { dir } = workspace();
  const run = (...args: string[]) => cliIn(dir, args);
  const card = join(dir, 'card.yaml');
  assert.equal((await run('init', '--example', card)).code, 0);
  const text = readFileSync(card, 'utf8')
    .replace('name: Support bots', `name: ${JSON.stringify(NAME)}`)
    .replace(/budgets:\n.*\n/, 'budgets:\n  - { cost_centre: CC-4100, monthly: "20000.00", alert_pct: 80 }\n  - { cost_centre: CC-4200, monthly: "9000.00", hard: true }\n');
  writeFileSync(card, text);
  for (const [file, source] of [['gateway-2026-10.csv', 'gateway'], ['api-2026-10.csv', 'gateway'], ['bills-2026-10.csv', 'billing']] as const) {
    const ingested = await run('ingest', fixture(`demo/${file}`), '--source', source, '-q');
    assert.equal(ingested.code, 0, ingested.stderr);
  }
  return { dir, card, run };
}

const money = (samples: Sample[]) => samples.reduce((total, s) => total.plus(s.text), new Decimal(0));

describe('metrics', () => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let samples: Sample[];
  let stdout: string;
  before(async () => {
    ctx = await setup();
    const metrics = await ctx.run('metrics', '-m', '2026-10', '-r', ctx.card, '--as-of', '2026-10-20T06:00:00Z');
    assert.equal(metrics.code, 0, metrics.stderr);
    stdout = metrics.stdout;
    samples = parsePrometheusText(stdout).samples;
  });
  const of = (name: string) => samples.filter((s) => s.name === name);

  it('writes the text exposition format: HELP and TYPE once per family, names by the rules, escaped labels', () => {
    const { types, help } = parsePrometheusText(stdout);
    for (const name of new Set(samples.map((s) => s.name))) {
      assert.match(name, /^chargeback_[a-z_]+$/);
      assert.equal(types.get(name), 'gauge', name);
      assert.ok(help.get(name), name);
    }
    // The name with a quote, a backslash and a space comes back as the card has it.
    assert.ok(of('chargeback_spend_total').some((s) => s.labels.cost_centre_name === NAME), 'the escaped name reads back');
    assert.ok(stdout.includes('cost_centre_name="Support \\"bots\\" \\\\ helpdesk"'));
    // Amounts are decimal text, cents kept.
    for (const s of of('chargeback_spend_total')) assert.match(s.text, /^-?\d+\.\d{2}$/);
  });

  it('equals budgets -f json at the same instant: spent, percent used, forecast and budget per centre', async () => {
    const budgets = await ctx.run('budgets', '-m', '2026-10', '-r', ctx.card, '--as-of', '2026-10-20T06:00:00Z', '-f', 'json');
    const reports = JSON.parse(budgets.stdout).budgets as Record<string, string>[];
    assert.equal(reports.length, 2);
    for (const b of reports) {
      const one = (name: string) => of(name).filter((s) => s.labels.cost_centre === b.cost_centre);
      assert.equal(one('chargeback_budget_limit')[0]!.text, b.budget);
      assert.equal(one('chargeback_budget_spent')[0]!.text, b.spent);
      assert.equal(one('chargeback_budget_forecast')[0]!.text, b.forecast);
      assert.ok(new Decimal(one('chargeback_budget_used_ratio')[0]!.text).times(100).equals(b.percent_used!));
      // Spend per centre and pool adds up to what the budget says was spent.
      assert.equal(money(one('chargeback_spend_total')).toFixed(2), b.spent);
    }
  });

  it('spend per model adds up to the spend, price-list models by their own terms', () => {
    const byModel = new Map(of('chargeback_model_spend_total').map((s) => [s.labels.model, s.text]));
    assert.equal(money(of('chargeback_model_spend_total')).toFixed(2), money(of('chargeback_spend_total')).toFixed(2));
    for (const model of ['gpt-4o', 'o3', 'claude-sonnet-4-20250514', 'llama-3-70b', 'llama-3-8b']) assert.ok(new Decimal(byModel.get(model) ?? '0').greaterThan(0), model);
  });

  it('a stored run keeps each price-list term\'s model, so the report shares that money by model as metrics does', async () => {
    const computed = await ctx.run('compute', '-m', '2026-10', '-r', ctx.card, '-q');
    assert.ok(computed.code <= 1, computed.stderr);
    const ledger = openLedger(join(ctx.dir, 'chargeback.db'), { create: false });
    try {
      const run = findRun(ledger, '2026-10')!;
      const api = run.lines.filter((l) => l.pool === 'api' && l.method === 'price-list');
      assert.ok(api.length > 0);
      for (const line of api) {
        const byModel = attribute([line], () => null, 'byModel');
        assert.ok(byModel.byKey.size > 0 && byModel.unattributed.isZero(), `${line.costCentre}: its terms name their models`);
      }
    } finally {
      ledger.close();
    }
  });

  it('counts tokens and requests per centre and model, and when each source last ingested', () => {
    const tokens = of('chargeback_tokens_total');
    assert.ok(tokens.length > 0 && tokens.every((s) => s.labels.cost_centre && s.labels.model && Number.isInteger(s.value)));
    assert.ok(of('chargeback_requests_total').every((s) => Number.isInteger(s.value) && s.value > 0));
    const ingests = new Map(of('chargeback_last_ingest_timestamp_seconds').map((s) => [s.labels.source, s.value]));
    assert.deepEqual([...ingests.keys()].sort(), ['billing', 'gateway']);
    for (const seconds of ingests.values()) assert.ok(Math.abs(seconds * 1000 - Date.now()) < 600_000);
    assert.equal(of('chargeback_as_of_timestamp_seconds')[0]!.value, Date.parse('2026-10-20T06:00:00Z') / 1000);
  });

  it('-o FILE writes the same text whole, leaving no temporary file beside it', async () => {
    const out = join(ctx.dir, 'textfile', 'chargeback.prom');
    mkdirSync(join(ctx.dir, 'textfile'));
    const written = await ctx.run('metrics', '-m', '2026-10', '-r', ctx.card, '--as-of', '2026-10-20T06:00:00Z', '-o', out);
    assert.equal(written.code, 0, written.stderr);
    assert.equal(written.stdout, '');
    assert.equal(readFileSync(out, 'utf8'), stdout);
    assert.deepEqual(readdirSync(join(ctx.dir, 'textfile')), ['chargeback.prom']);
  });

  it('without --month, the month now is in the card\'s zone: an empty month still says when it was priced', async () => {
    const now = await ctx.run('metrics', '-r', ctx.card);
    assert.equal(now.code, 0, now.stderr);
    const exposition = parsePrometheusText(now.stdout);
    const asOf = exposition.samples.find((s) => s.name === 'chargeback_as_of_timestamp_seconds')!;
    assert.equal(asOf.labels.month, new Date().toISOString().slice(0, 7));
  });
});
