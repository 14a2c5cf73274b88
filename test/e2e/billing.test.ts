import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { cliIn, ROOT, workspace } from './cli.js';

const DATA = join(ROOT, 'fixtures/data');
const FILES = ['focus', 'cloud'].flatMap((dir) => readdirSync(join(DATA, dir)).filter((f) => f.endsWith('.csv')).map((f) => join(dir, f)));

/** Independently of the product: the main cost column, and the billing period (else the charge period) of each format. */
function independent(file: string) {
  const rows = parse(readFileSync(join(DATA, file), 'utf8'), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const col = (row: Record<string, string>, ...names: string[]) => names.map((n) => row[n]).find((v) => v !== undefined) ?? '';
  const iso = (text: string) => Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text.replace(' ', 'T') : `${text.replace(' ', 'T')}Z`);
  const slashed = (text: string) => {
    const [m, d, y] = text.split('/').map(Number) as [number, number, number];
    return Date.UTC(y < 100 ? 2000 + y : y, m - 1, d);
  };
  const date = (text: string) => (text.includes('/') ? slashed(text) : iso(text));
  const byMonth = new Map<string, Decimal>();
  const seen = new Set<string>();
  let duplicates = 0;
  for (const row of rows) {
    // Byte-identical rows are one charge (SPEC §3: a row hash keys rows without a line id).
    const key = JSON.stringify(Object.entries(row).sort());
    const lineId = col(row, 'identity/LineItemId');
    const identity = lineId ? `${lineId}|${col(row, 'lineItem/UsageStartDate')}|${col(row, 'lineItem/UsageEndDate')}` : key;
    if (seen.has(identity)) {
      duplicates++;
      continue;
    }
    seen.add(identity);
    const cost = col(row, 'BilledCost', 'lineItem/UnblendedCost', 'CostInBillingCurrency', 'Cost');
    const start = date(col(row, 'ChargePeriodStart', 'lineItem/UsageStartDate', 'Date'));
    const end = row.Date ? start + 86_400_000 : date(col(row, 'ChargePeriodEnd', 'lineItem/UsageEndDate'));
    assert.equal(new Date(start).getUTCMonth(), new Date(end - 1).getUTCMonth(), `${file}: a row spans months; this check assumes none does`);
    // Billed cost follows the invoice (issue 15): the billing period's month when the row names one.
    const billing = col(row, 'BillingPeriodStart', 'bill/BillingPeriodStartDate', 'BillingPeriodStartDate');
    const month = new Date(billing ? date(billing) : start).toISOString().slice(0, 7);
    byMonth.set(month, (byMonth.get(month) ?? new Decimal(0)).plus(/^null$/i.test(cost) || cost === '' ? 0 : cost));
  }
  return { rows: rows.length, duplicates, byMonth };
}

describe('billing ingest on every real sample in fixtures/data/focus and cloud', () => {
  for (const file of FILES) {
    it(`${file}: no reject, duplicates only for identical rows, and each month's total equals an independent sum`, async () => {
      const { dir } = workspace();
      const expected = independent(file);
      // Two FOCUS spec examples have no currency column at all: --currency says what it is.
      // The samples are whole files, some without a last line end: --complete says they are whole.
      const run = await cliIn(dir, ['ingest', join(DATA, file), '--source', 'billing', '--currency', 'USD', '--complete', '--rejects', join(dir, 'r.csv')]);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const stored = expected.rows - expected.duplicates;
      assert.match(run.stdout, new RegExp(`${expected.rows} rows read, ${stored} stored, ${expected.duplicates} duplicate, 0 rejected`));
      for (const [month, total] of expected.byMonth) {
        const summary = JSON.parse((await cliIn(dir, ['billing', 'summary', '--month', month, '--format', 'json'])).stdout);
        const got = summary.total.reduce((sum: Decimal, row: { billed_cost: string }) => sum.plus(row.billed_cost), new Decimal(0));
        assert.equal(got.toFixed(), total.toFixed(), `${file} ${month}`);
      }
    });
  }
});

describe('pools fed by the bill', () => {
  it('a pool fed by the FOCUS multicloud sample\'s EC2 rows reconciles to their prorated total, to the cent', async () => {
    const { dir } = workspace();
    const file = join(DATA, 'focus/focus-1.0_sample_multicloud.csv');
    await cliIn(dir, ['ingest', file, '--source', 'billing']);
    const rows = parse(readFileSync(file, 'utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const ec2 = rows.filter((r) => r.ServiceName === 'Amazon Elastic Compute Cloud' && r.ChargePeriodStart!.startsWith('2024-09'));
    const effective = ec2.reduce((sum, r) => sum.plus(r.EffectiveCost === 'NULL' ? 0 : r.EffectiveCost!), new Decimal(0));
    const C = effective.times('1.05').toDecimalPlaces(2, Decimal.ROUND_HALF_UP); // overhead 5%
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, name: One, match: { team: [one] } }
pools:
  - id: ec2
    cost: { billing: { provider: AWS, service: "Amazon Elastic Compute Cloud" }, column: effective_cost }
    overhead_pct: "5"
    method: proportional
    driver: requests
`);
    const run = await cliIn(dir, ['compute', '--month', '2024-09', '--rate-card', join(dir, 'card.yaml')]);
    // The bill alone, no usage: the run is stored and reconciles, and compute says who must act.
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stderr, /2024-09 has no usage events .*: run 1 charges every pool's cost to CC-0000/);
    assert.ok(ec2.length > 500, `${ec2.length} EC2 rows`);
    assert.match(run.stdout, new RegExp(`Σ lines ${C.toFixed(2)} = Σ pool costs ${C.toFixed(2)} \\+ price-list charges 0\\.00: reconciled`));
    // The pool's line says where C came from: how many records matched and what they add up to.
    assert.match(run.stdout, new RegExp(`  ec2: ${ec2.length} billing records, effective_cost ${effective.toFixed()} × \\(1 \\+ 5%\\) → C ${C.toFixed(2)}`));
    const json = JSON.parse((await cliIn(dir, ['statement', '--month', '2024-09', '--format', 'json'])).stdout);
    assert.deepEqual(json.pool_costs, [{ pool: 'ec2', kind: 'billing', base: effective.toFixed(), matched_records: ec2.length, column: 'effective_cost', overhead_pct: '5', cost: C.toFixed(2) }]);
  });

  it('a charge period spanning two months is split by time, and the two months add up to the record exactly', async () => {
    const { dir } = workspace();
    // 21 Sep 00:00 → 11 Oct 00:00: 10 days in September, 10 in October; 10.01 in cents is 1001:
    // 500 rem ½ each → a tie → the earlier month takes the cent: September 5.01, October 5.00.
    writeFileSync(join(dir, 'span.csv'), 'BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName,Tags\n' +
      '10.01,10.01,USD,2024-09-21T00:00:00Z,2024-10-11T00:00:00Z,Usage,AWS,GPU,{}\n');
    await cliIn(dir, ['ingest', join(dir, 'span.csv'), '--source', 'billing']);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: gpu, cost: { billing: { service: GPU } }, method: proportional, driver: requests }\n');
    const cost = async (month: string) => {
      const run = await cliIn(dir, ['compute', '--month', month, '--rate-card', join(dir, 'card.yaml')]);
      return new Decimal(/Σ pool costs ([\d,.]+)/.exec(run.stdout)![1]!.replace(/,/g, ''));
    };
    const [september, october] = [await cost('2024-09'), await cost('2024-10')];
    assert.deepEqual([september.toFixed(2), october.toFixed(2)], ['5.01', '5.00']);
    assert.equal(september.plus(october).toFixed(2), '10.01');
  });

  it('refuses to add billing records in another currency, naming it and the count (exit 2)', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', join(DATA, 'cloud/azure-ea_usage-details_sample_anonymous.csv'), '--source', 'billing']);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: az, cost: { billing: { provider: Microsoft } }, method: proportional, driver: requests }\n');
    const run = await cliIn(dir, ['compute', '--month', '2023-09', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: pool az: \d+ billing records in CAD, but the rate card is in USD: amounts in two currencies are never added \(give the card exchange_rates for CAD to convert them\)\n$/);
  });

  it('billing summary shows cost by provider and service, and by tag', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', join(DATA, 'cloud/azure-ea_actual-cost_small.csv'), '--source', 'billing']);
    const table = await cliIn(dir, ['billing', 'summary', '--month', '2023-09']);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /Microsoft \/ /);
    assert.match(table.stdout, /│ total \(billed: the invoice total\) +│ +11 │/);
    assert.match(table.stdout, /CostCenter=/);
  });
});

describe('two clocks for money (issue 15)', () => {
  // FOCUS 1.x columns, as the spec's SaaS prepayment example writes them: one 1,200 USD purchase
  // invoiced in January 2024 whose charge period is the whole year (366 days).
  const HEADER = 'BilledCost,EffectiveCost,BillingCurrency,BillingPeriodStart,BillingPeriodEnd,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName,Tags';
  const ROW = '1200.00,1200.00,USD,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,2024-01-01T00:00:00Z,2025-01-01T00:00:00Z,Purchase,Acme,SaaS,{}';
  const card = (column: string) => `version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { team: [t] } }\npools:\n  - { id: saas, cost: { billing: { service: SaaS }, column: ${column} }, method: proportional, driver: requests }\n`;

  it('billed cost counts whole in its invoice month; effective cost is amortised over the charge period', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'prepay.csv'), `${HEADER}\n${ROW}\n`);
    writeFileSync(join(dir, 'usage.csv'), 'timestamp,request_id,team,model,input_tokens,output_tokens\n2024-01-10T00:00:00Z,a,t,m,1,1\n2024-02-10T00:00:00Z,b,t,m,1,1\n');
    await cliIn(dir, ['ingest', join(dir, 'prepay.csv'), '--source', 'billing']);
    await cliIn(dir, ['ingest', join(dir, 'usage.csv'), '--source', 'gateway']);
    writeFileSync(join(dir, 'billed.yaml'), card('billed_cost'));
    writeFileSync(join(dir, 'effective.yaml'), card('effective_cost'));
    const cost = async (month: string, file: string) => {
      const run = await cliIn(dir, ['compute', '--month', month, '--rate-card', join(dir, file)]);
      return /→ C ([\d.]+)/.exec(run.stdout)?.[1];
    };
    assert.equal(await cost('2024-01', 'billed.yaml'), '1200.00', 'the invoice month carries the whole purchase');
    assert.equal(await cost('2024-02', 'billed.yaml'), '0.00', 'nothing is billed in February');
    // 1,200 × 31/366 = 101.639… (largest remainder over the year's months, at cent precision)
    assert.equal(await cost('2024-01', 'effective.yaml'), '101.64');
    assert.equal(await cost('2024-02', 'effective.yaml'), '95.08'); // 1,200 × 29/366 = 95.081…
    const summary = JSON.parse((await cliIn(dir, ['billing', 'summary', '--month', '2024-01', '--format', 'json'])).stdout);
    assert.deepEqual([summary.total[0].billed_cost, summary.total[0].effective_cost], ['1200', '101.64']);
  });
});
