import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { matchBillingCentre } from '../../src/domain/bill-owners.js';
import { computeMonth } from '../../src/domain/compute.js';
import { Decimal, sum } from '../../src/domain/money.js';
import type { BillingRecord } from '../../src/domain/types.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { periodFor } from './helpers.js';

/** Direct attribution of bills (issue 29): who owns a record, and lines that add up to C. */
const CARD = (overhead = '0') => parseRateCardText(`version: 1
currency: USD
unallocated: CC-0000
exchange_rates: { EUR: { rate: "1.1", date: 2026-10-31, source: ECB } }
cost_centres:
  - { id: A, name: Alpha, match: { account: ["111111111111"], team: [a] } }
  - { id: B, name: Beta, match: { subscription: [sub-b], resource_group: [RG-Shared] } }
  - { id: C, name: Gamma, match: { project: [gamma-prod], tag.owner: [gamma] } }
  - { id: D, name: Delta, match: { service: [Amazon Bedrock] } }
pools:
  - id: bills
    cost: { billing: {}, column: billed_cost }
    overhead_pct: "${overhead}"
    method: direct
`, 'card.yaml');

function bill(cost: string, extra: Partial<BillingRecord> = {}): BillingRecord {
  return {
    periodStartMs: Date.parse('2026-10-03T00:00:00Z'), periodEndMs: Date.parse('2026-10-04T00:00:00Z'), billedCost: new Decimal(cost), effectiveCost: new Decimal(cost),
    listCost: null, currency: 'USD', provider: 'AWS', service: 'Amazon EC2', chargeCategory: 'usage', tags: {}, ...extra,
  };
}

describe('bills attributed directly (issue 29)', () => {
  const cases: [string, Partial<BillingRecord>, string | null][] = [
    ['an AWS account', { account: '111111111111' }, 'A'],
    ['an Azure subscription', { subscription: 'sub-b' }, 'B'],
    ['a resource group in another letter case', { resourceGroup: 'rg-shared' }, 'B'],
    ['a GCP project', { project: 'gamma-prod' }, 'C'],
    ['a resource tag', { tags: { owner: 'gamma' } }, 'C'],
    ['a service', { service: 'Amazon Bedrock' }, 'D'],
    ['the first centre in the card wins', { account: '111111111111', project: 'gamma-prod' }, 'A'],
    ['an account of another case is another account', { account: '111111111111 ' }, null],
    ['a gateway key does not match a bill', { tags: { team: 'a' } }, null],
    ['no dimensions at all', {}, null],
  ];
  for (const [name, extra, owner] of cases) {
    it(`owner: ${name}`, () => assert.equal(matchBillingCentre(bill('1', extra), CARD().costCentres)?.id ?? null, owner));
  }

  it('charges each owner its records, the unmatched ones unallocated, converted once per currency', () => {
    const c = CARD();
    const s = computeMonth({ card: c, period: periodFor(c), usage: [], billing: [
      bill('10.004', { account: '111111111111' }), bill('-2.002', { account: '111111111111', chargeCategory: 'credit' }),
      bill('5', { subscription: 'sub-b', currency: 'EUR' }), bill('0.996', { account: '999' }),
    ] });
    assert.deepEqual(s.lines.map((l) => [l.costCentre, l.amount.toFixed(2)]), [['A', '8.00'], ['B', '5.50'], ['CC-0000', '1.00']]);
    assert.equal(sum(s.lines.map((l) => l.amount)).toFixed(2), '14.50');
    assert.match(s.lines[2]!.parts!.map((p) => p.what).join('|'), /^1 billing record matching no cost centre \(largest: account 999 1\.00\): 0\.996\|to the cent/);
  });

  it('adds up to C to the cent for any records, credits, overhead and currency', () => {
    const amount = fc.integer({ min: -5_000_000, max: 50_000_000 }).map((n) => new Decimal(n).dividedBy(100_000).toFixed());
    const record = fc.record({ cost: amount, owner: fc.constantFrom({ account: '111111111111' }, { subscription: 'sub-b' }, { project: 'gamma-prod' }, { account: 'x' }, {}),
      currency: fc.constantFrom('USD', 'EUR') });
    fc.assert(fc.property(fc.array(record, { maxLength: 30 }), fc.constantFrom('0', '5', '12.5'), (records, overhead) => {
      const c = CARD(overhead);
      const s = computeMonth({ card: c, period: periodFor(c), usage: [], billing: records.map((r) => bill(r.cost, { ...r.owner, currency: r.currency })) });
      const C = s.poolCosts[0]!.cost!;
      assert.equal(sum(s.lines.map((l) => l.amount)).toFixed(2), C.toFixed(2));
      for (const line of s.lines) {
        assert.equal(sum(line.parts!.map((p) => p.amount)).toFixed(), line.amount.toFixed(), 'parts add up to the line');
        assert.ok(line.parts![0]!.amount.minus(line.amount).abs().lessThan('0.01'), 'within a cent of the exact share');
      }
    }), { numRuns: 300 });
  });
});
