import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { Decimal } from '../../src/domain/money.js';
import { cliIn, workspace } from './cli.js';
import { dcgmEnergyMonth } from './dcgm-energy-month.js';

/*
 * Self-hosted GPUs at their full cost (issue 35), on a month of dcgm-exporter scrapes built
 * from a real scrape of a Tesla T4 (its labels, power, energy counter and memory as
 * exported): two hosts, owned by two teams, one of whose drivers reloads mid-month. The hand
 * calculation is physics (power × time), not the counter the code reads.
 */
const MONTH = ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z'] as const;
const CARD = `version: 1
currency: USD
unallocated: CC-0000
hosts: { "424773df46e0": gpu-node-1 }
cost_centres:
  - { id: CC-ML, name: ML research, match: { host: [gpu-node-1] } }
  - { id: CC-NLP, name: Language, match: { host: [gpu-node-2] } }
pools:
  - id: gpus
    cost:
      fixed: "50.00"
      depreciation:
        - { name: T4 server, purchase: "4000.00", in_service: 2026-01, life_months: 36 }
        - { name: T4 server 2, purchase: "4100.00", in_service: 2024-11, life_months: 24, salvage: "500.00" }
      energy: { pue: "1.4", price_per_kwh: "0.25" }
    overhead_pct: "10"
    method: proportional
    driver: gpu_energy_kwh
`;

describe('GPU pools at their full cost', () => {
  const one = dcgmEnergyMonth(...MONTH, '2026-10-15T12:00:00Z');
  const two = dcgmEnergyMonth(...MONTH, '2027-01-01T00:00:00Z', { host: 'gpu-node-2', busyHours: [0, 4] });
  let dir = '';
  const run = (...args: string[]) => cliIn(dir, args);
  const kwh = (joules: Decimal) => joules.dividedBy(3_600_000);
  before(async () => {
    ({ dir } = workspace());
    writeFileSync(join(dir, 'card.yaml'), CARD);
    for (const [name, month] of [['node-1.prom', one], ['node-2.prom', two]] as const) {
      writeFileSync(join(dir, name), month.text);
      const ingested = await run('ingest', join(dir, name), '--source', 'gpu');
      assert.equal(ingested.code, 0, ingested.stderr);
      // Every scrape whole: none stored half at a read chunk's end, its rest counted a duplicate.
      assert.match(ingested.stdout, /2977 rows read, 2977 stored, 0 duplicate, 0 rejected/);
    }
    // Scraped every 15 minutes: a sample counts until the next.
    const computed = await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'), '--max-gap', '900', '-q');
    assert.equal(computed.code, 0, computed.stderr);
  });

  it('measures each GPU\'s energy as power × time says, through a counter reset', async () => {
    const summary = JSON.parse((await run('gpu', 'summary', '-m', '2026-10', '-r', join(dir, 'card.yaml'), '--max-gap', '900', '-f', 'json')).stdout);
    const byHost = new Map(summary.gpus.map((g: { host: string; energy_kwh: string }) => [g.host, g.energy_kwh]));
    assert.equal(byHost.get('gpu-node-1'), kwh(one.joules).toFixed());
    assert.equal(byHost.get('gpu-node-2'), kwh(two.joules).toFixed());
    // By hand: 792 working-hour quarter hours at 70 W and 2,184 others at 8.969 W on node 1.
    assert.deepEqual([one.busySteps, one.idleSteps], [792, 2184]);
    assert.equal(one.joules.toFixed(), new Decimal(792).times(70).plus(new Decimal(2184).times('8.969')).times(900).toFixed());
    assert.deepEqual(summary.energy_by_owner, [{ owner: 'CC-ML', kwh: kwh(one.joules).toFixed() }, { owner: 'CC-NLP', kwh: kwh(two.joules).toFixed() }]);
    const table = (await run('gpu', 'summary', '-m', '2026-10', '-r', join(dir, 'card.yaml'), '--max-gap', '900', '--wide')).stdout;
    assert.match(table, /│ gpu-node-1 │ GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e │ +744 │ +744 │ +198 │ 18\.757 │ CC-ML +│/);
    assert.match(table, /Energy by owner\n[^]*│ CC-ML +│ 18\.757 │\n│ CC-NLP +│ +\d+\.\d{3} │/);
  });

  it('builds the pool\'s cost from its parts, to the cent, and explain shows each', async () => {
    const statement = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout);
    const cost = statement.pool_costs.find((p: { pool: string }) => p.pool === 'gpus');
    const energy = one.joules.plus(two.joules).times('1.4').times('0.25').dividedBy(3_600_000).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
    // 4000 / 36 floored; the second server's 24th month takes what 23 months of (4100 − 500) / 24 = 150.00 left.
    assert.deepEqual(cost.parts.map((p: { part: string; amount: string }) => [p.part, p.amount]), [
      ['fixed', '50.00'], ['depreciation', '111.11'], ['depreciation', '150.00'], ['energy', energy.toFixed(2)],
    ]);
    const base = new Decimal('50.00').plus('111.11').plus('150.00').plus(energy);
    assert.equal(cost.base, base.toFixed());
    assert.equal(cost.cost, base.times('1.1').toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
    const explained = (await run('explain', '-m', '2026-10', '--cost-centre', 'CC-ML')).stdout;
    assert.match(explained, /depreciation of T4 server: 4000\.00 over 36 months from 2026-01 \(month 10 of 36\): 111\.11/);
    assert.match(explained, /depreciation of T4 server 2: 4100\.00 less salvage 500\.00 over 24 months from 2024-11 \(month 24 of 24, the remainder\): 150\.00/);
    assert.match(explained, new RegExp(`energy: \\d+\\.\\d{3} kWh measured × PUE 1\\.4 × 0\\.25 per kWh: ${energy.toFixed(2).replace('.', '\\.')}`));
  });

  it('shares the pool by each team\'s measured kWh (gpu_energy_kwh), adding up to its cost', async () => {
    const statement = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout);
    const lines = statement.lines.filter((l: { pool: string }) => l.pool === 'gpus');
    const of = (centre: string) => lines.find((l: { cost_centre: string }) => l.cost_centre === centre);
    assert.equal(new Decimal(of('CC-ML').quantity).toFixed(), kwh(one.joules).toFixed());
    assert.equal(new Decimal(of('CC-NLP').quantity).toFixed(), kwh(two.joules).toFixed());
    const total = lines.reduce((t: Decimal, l: { amount: string }) => t.plus(l.amount), new Decimal(0));
    assert.equal(total.toFixed(2), statement.pool_costs.find((p: { pool: string }) => p.pool === 'gpus').cost);
    const share = new Decimal(of('CC-ML').amount).dividedBy(total);
    assert.ok(share.minus(one.joules.dividedBy(one.joules.plus(two.joules))).abs().lessThan('0.001'));
    assert.equal((await run('runs', '--verify', '1')).code, 0);
  });

  it('refuses parts that cannot be: a bad life, salvage above the purchase, a PUE below 1', async () => {
    const bad = CARD.replace('life_months: 36', 'life_months: 0').replace('salvage: "500.00"', 'salvage: "5000.00"').replace('pue: "1.4"', 'pue: "0.9"');
    writeFileSync(join(dir, 'bad.yaml'), bad);
    const checked = await run('ratecard', 'validate', join(dir, 'bad.yaml'));
    assert.equal(checked.code, 2);
    assert.match(checked.stderr, /bad\.yaml:13: pools\[0\]\.cost\.depreciation\[0\]\.life_months: expected a whole number of months from 1 to 600, got 0/);
    assert.match(checked.stderr, /bad\.yaml:14: pools\[0\]\.cost\.depreciation\[1\]\.salvage: expected from 0 to the purchase \(4100\), got "5000"/);
    assert.match(checked.stderr, /bad\.yaml:15: pools\[0\]\.cost\.energy\.pue: expected 1 or more/);
  });
});
