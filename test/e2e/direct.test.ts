import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { Decimal } from 'decimal.js';
import { fixture, inProcess, workspace } from './cli.js';
import { commitmentUse } from '../../src/domain/billing-summary.js';
import { parseMonth, periodOf } from '../../src/domain/month.js';
import { billingRecordsInRange } from '../../src/ledger/billing.js';
import { openLedger } from '../../src/ledger/open.js';

/*
 * Bills attributed directly to their owners (issue 29): each record's cost to the centre
 * whose match names its account, subscription or resource group, on real exports. Each
 * expectation is summed here from the file with csv-parse, independently of the product:
 * per owner the exact sum in the month, then to the cent by largest remainder, so that the
 * lines add up to C.
 */
interface Case {
  name: string;
  file: string;
  /** The column naming the owner, the cost column, and the month's test for a row. */
  owner: string;
  cost: string;
  inMonth: (row: Record<string, string>) => boolean;
  month: string;
  key: string;
  /** How the card spells an owner (a resource group in another letter case still matches). */
  spell?: (owner: string) => string;
  currency?: string;
}

const CASES: Case[] = [
  { name: 'FOCUS sub-accounts', file: 'data/focus/focus-1.0_sample_multicloud.csv', owner: 'SubAccountId', cost: 'BilledCost', month: '2024-09', key: 'account',
    inMonth: (r) => (r.BillingPeriodStart || r.ChargePeriodStart)!.startsWith('2024-09') },
  { name: 'AWS CUR usage accounts', file: 'data/cloud/aws-cur-legacy_sample_anonymous.csv', owner: 'lineItem/UsageAccountId', cost: 'lineItem/UnblendedCost', month: '2023-11', key: 'account',
    inMonth: (r) => r['bill/BillingPeriodStartDate']!.startsWith('2023-11') },
  { name: 'Azure subscriptions', file: 'data/cloud/azure-ea_actual-cost_small.csv', owner: 'SubscriptionId', cost: 'Cost', month: '2023-09', key: 'subscription',
    inMonth: (r) => r.BillingPeriodStartDate === '09/01/2023' },
  { name: 'Azure resource groups, in another letter case', file: 'data/cloud/azure-ea_usage-details_sample_anonymous.csv', owner: 'ResourceGroup', cost: 'CostInBillingCurrency', month: '2023-09', key: 'resource_group',
    inMonth: (r) => r.Date!.includes('2023'), spell: (o) => o.toUpperCase(), currency: 'CAD' },
];

/** Per owner the exact sum, then cents by largest remainder (floor, then one cent each to the largest remainders). */
function expected(c: Case): { lines: Map<string, string>; total: string } {
  const rows = (parse(readFileSync(fixture(c.file), 'utf8'), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[]).filter(c.inMonth);
  const exact = new Map<string, Decimal>();
  const seen = new Set<string>();
  for (const row of rows) {
    const key = JSON.stringify(Object.entries(row).sort());
    if (seen.has(key)) continue;
    seen.add(key);
    const cost = row[c.cost]!;
    exact.set(row[c.owner]!, (exact.get(row[c.owner]!) ?? new Decimal(0)).plus(cost === '' || /^null$/i.test(cost) ? 0 : cost));
  }
  const total = [...exact.values()].reduce((s, v) => s.plus(v), new Decimal(0)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  const shares = [...exact].filter(([, v]) => !v.isZero()).map(([owner, v]) => ({ owner, cents: v.times(100).floor(), remainder: v.times(100).minus(v.times(100).floor()) }));
  let leftover = total.times(100).minus(shares.reduce((s, x) => s.plus(x.cents), new Decimal(0))).toNumber();
  for (const s of [...shares].sort((a, b) => b.remainder.comparedTo(a.remainder) || (a.owner < b.owner ? -1 : 1))) {
    if (leftover-- <= 0) break;
    s.cents = s.cents.plus(1);
  }
  return { lines: new Map(shares.map((s) => [s.owner, s.cents.dividedBy(100).toFixed(2)])), total: total.toFixed(2) };
}

describe('bills attributed directly to their owners (issue 29)', () => {
  for (const c of CASES) {
    it(`${c.name}: each owner's records to its centre, the rest unallocated, Σ = C`, async () => {
      const { dir, ledger } = workspace();
      const run = inProcess(ledger);
      assert.equal((await run('ingest', fixture(c.file), '--source', 'billing', '--complete')).code, 0);
      const { lines, total } = expected(c);
      // The largest owners get centres of their own; the rest are unmatched.
      const owners = [...lines.keys()].sort((a, b) => new Decimal(lines.get(b)!).abs().comparedTo(new Decimal(lines.get(a)!).abs()));
      const named = owners.slice(0, Math.max(1, owners.length - 1));
      const spell = c.spell ?? ((o: string) => o);
      writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: ${c.currency ?? 'USD'}
unallocated: CC-0000
cost_centres:
${named.map((o, i) => `  - { id: CC-${i + 1}, name: Owner ${i + 1}, match: { ${c.key}: [${JSON.stringify(spell(o))}] } }`).join('\n')}
pools:
  - id: cloud
    cost: { billing: {}, column: billed_cost }
    method: direct
`);
      const computed = await run('compute', '-m', c.month, '-r', join(dir, 'card.yaml'));
      assert.ok(computed.code === 0 || computed.code === 1, computed.stderr);
      assert.match(computed.stdout, new RegExp(`Σ lines ${total.replace('.', '\\.')}|Σ lines ${Number(total).toLocaleString('en-US', { minimumFractionDigits: 2 }).replace('.', '\\.')}`));
      const statement = JSON.parse((await run('statement', '-m', c.month, '-f', 'json')).stdout) as { lines: { cost_centre: string; amount: string; method: string }[] };
      const got = new Map(statement.lines.map((l) => [l.cost_centre, l.amount]));
      // A centre whose share rounds to 0.00 has no line (SPEC §8.9).
      named.forEach((o, i) => assert.equal(got.get(`CC-${i + 1}`) ?? '0.00', lines.get(o), `${o} is CC-${i + 1}`));
      const rest = owners.filter((o) => !named.includes(o)).reduce((s, o) => s.plus(lines.get(o)!), new Decimal(0));
      if (!rest.isZero()) assert.equal(got.get('CC-0000'), rest.toFixed(2), 'the unmatched owners');
      assert.ok(named.length >= 1 && got.size >= Math.min(named.length, 1));
      assert.equal(statement.lines.reduce((s, l) => s.plus(l.amount), new Decimal(0)).toFixed(2), total, 'Σ lines = C');
      assert.ok(statement.lines.every((l) => l.method === 'direct'));
      if (!rest.isZero()) {
        const explained = await run('explain', '-m', c.month, '--cost-centre', 'CC-0000');
        assert.match(explained.stdout, /billing records? matching no cost centre \(largest: /);
      }
    });
  }

  const card = (key: string, value: string, currency = 'USD') => `version: 1
currency: ${currency}
unallocated: CC-0000
cost_centres:
  - { id: CC-1, name: One, match: { ${key}: [${JSON.stringify(value)}] } }
pools:
  - id: bills
    cost: { billing: {}, column: billed_cost }
    method: direct
`;

  it('an Anthropic workspace is the project (its cost report, as Anthropic documents it)', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    assert.equal((await run('ingest', fixture('data/gateway/anthropic_admin-api_cost-report_example.json'), '--source', 'billing')).code, 0);
    writeFileSync(join(dir, 'card.yaml'), card('project', 'wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ'));
    await run('compute', '-m', '2025-08', '-r', join(dir, 'card.yaml'));
    const lines = JSON.parse((await run('statement', '-m', '2025-08', '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    // 123.78912 cents (Anthropic reports cents) is 1.2378912 dollars.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-1', '1.24']]);
  });

  it('a GCP project (a GCP export of our own: no openly licensed one exists, see fixtures/data/SOURCES.md)', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    writeFileSync(join(dir, 'gcp.csv'), `billing_account_id,service.description,sku.description,usage_start_time,usage_end_time,project.id,cost,currency,cost_type,credits
0A1B2C-3D4E5F-678901,Vertex AI,Gemini 1.5 Pro input,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,search-prod,10.005,USD,regular,[]
0A1B2C-3D4E5F-678901,Vertex AI,Gemini 1.5 Pro input,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,research-sandbox,2.004,USD,regular,[]
0A1B2C-3D4E5F-678901,Compute Engine,N1 core,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,,0.001,USD,regular,[]
`);
    assert.equal((await run('ingest', join(dir, 'gcp.csv'), '--source', 'billing')).code, 0);
    writeFileSync(join(dir, 'card.yaml'), card('project', 'search-prod'));
    await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'));
    const lines = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    // 10.005 + 2.004 + 0.001 = 12.01 = C: floors 10.00 and 2.00, and the leftover cent to the
    // larger remainder; both are half a cent, so the smaller id (byte order) takes it.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-0000', '2.01'], ['CC-1', '10.00']]);
    const explained = (await run('explain', '-m', '2026-10', '--cost-centre', 'CC-0000')).stdout;
    assert.match(explained, /2 billing records matching no cost centre \(largest: project research-sandbox 2\.00; no account \(Compute Engine\) 0\.00\)/);
  });

  it('commitment left unused goes to the centre the pool names; billing summary shows the utilisation (FOCUS spec scenario)', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    assert.equal((await run('ingest', fixture('data/focus/focus-spec_commitment_discount_usage_scenario_3.csv'), '--source', 'billing', '--currency', 'USD', '--complete')).code, 0);
    const summary = JSON.parse((await run('billing', 'summary', '-m', '2023-01', '-f', 'json')).stdout);
    // Read from the file: Used 0.75 and Unused 0.25 effective cost.
    assert.deepEqual(summary.commitments, [{ currency: 'USD', used_effective_cost: '0.75', unused_effective_cost: '0.25', utilisation_pct: '75.00' }]);
    assert.match((await run('billing', 'summary', '-m', '2023-01')).stdout, /Commitments \(USD\): used 0\.75, unused 0\.25: 75\.0% utilised \(effective cost\)/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-PLAT, name: Platform, match: { team: [platform] } }
  - { id: CC-1, name: One, match: { tag.app: [one] } }
pools:
  - id: compute
    cost: { billing: {}, column: effective_cost }
    method: direct
    unused_commitments: CC-PLAT
`);
    await run('compute', '-m', '2023-01', '-r', join(dir, 'card.yaml'));
    const lines = JSON.parse((await run('statement', '-m', '2023-01', '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-0000', '0.75'], ['CC-PLAT', '0.25']]);
    assert.match((await run('explain', '-m', '2023-01', '--cost-centre', 'CC-PLAT')).stdout, /1 billing record of CC-PLAT: 0\.25, 0\.25 of it unused commitment/);
    // The run keeps each commitment by its id (issue 33); the report shows its utilisation, and the run verifies.
    assert.equal((await run('report', '-m', '2023-01', '-o', join(dir, 'report.html'))).code, 0);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    assert.match(html, /<tr><td>&#60;my-commitment-discount-id&#62;<\/td><td>2023-01<\/td><td class="num" data-commitment="2023-01\|&#60;my-commitment-discount-id&#62;\|USD" data-used="0\.75" data-unused="0\.25">1\.00 USD<\/td><td class="num">0\.75<\/td><td class="num">0\.25<\/td><td class="num over">75\.0%<\/td><\/tr>/);
    assert.equal((await run('runs', '--verify', '1')).code, 0);
  });

  const SP = 'arn:aws:savingsplans::123456789012:savingsplan/0a1b2c3d-0000-4000-8000-000000000001';
  it('a CUR marks covered usage used and the recurring fee, amortised to its unused part, unused (the real header, lines of ours)', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    const [names, cells] = parse(readFileSync(fixture('data/cloud/aws-cur-legacy_sample_anonymous.csv'), 'utf8'), { bom: true, to: 2 }) as [string[], string[]];
    const at = (name: string) => names.indexOf(name);
    const row = (id: string, type: string, unblended: string, values: Record<string, string>) => {
      const copy = [...cells];
      copy[at('identity/LineItemId')] = id;
      copy[at('lineItem/LineItemType')] = type;
      copy[at('lineItem/UnblendedCost')] = unblended;
      for (const [name, value] of Object.entries(values)) copy[at(name)] = value;
      return copy;
    };
    assert.ok(['savingsPlan/SavingsPlanEffectiveCost', 'savingsPlan/TotalCommitmentToDate', 'savingsPlan/UsedCommitment'].every((n) => at(n) >= 0), 'the real header has the Savings Plan columns');
    writeFileSync(join(dir, 'cur.csv'), stringify([names,
      row('sp-used', 'SavingsPlanCoveredUsage', '3.00', { 'savingsPlan/SavingsPlanEffectiveCost': '2.10', 'savingsPlan/SavingsPlanARN': SP }),
      row('sp-fee', 'SavingsPlanRecurringFee', '2.50', { 'savingsPlan/TotalCommitmentToDate': '2.50', 'savingsPlan/UsedCommitment': '2.10', 'savingsPlan/SavingsPlanARN': SP }),
    ]));
    assert.equal((await run('ingest', join(dir, 'cur.csv'), '--source', 'billing')).code, 0);
    const month = cells[at('bill/BillingPeriodStartDate')]!.slice(0, 7);
    const summary = JSON.parse((await run('billing', 'summary', '-m', month, '-f', 'json')).stdout);
    assert.deepEqual(summary.commitments, [{ currency: 'USD', used_effective_cost: '2.1', unused_effective_cost: '0.4', utilisation_pct: '84.00' }]);
    // Each record knows its Savings Plan by its ARN (issue 33): what the report's commitments are per.
    const records = commitmentUse(billingRecordsInRange(openLedger(ledger, { create: false }), periodOf(parseMonth(month)!, 'UTC')), periodOf(parseMonth(month)!, 'UTC'));
    assert.deepEqual(records.map((c) => [c.id, c.used.toFixed(2), c.unused.toFixed(2)]), [[SP, '2.10', '0.40']]);
  });
});
