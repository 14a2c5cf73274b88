import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billedCost, proratedCost } from '../../src/domain/billing.js';
import { summariseBilling } from '../../src/domain/billing-summary.js';
import { computeMonth } from '../../src/domain/compute.js';
import { CurrencyError } from '../../src/domain/errors.js';
import { Decimal } from '../../src/domain/money.js';
import { parseMonth, periodOf } from '../../src/domain/month.js';
import type { BillingRecord } from '../../src/domain/types.js';
import fc from 'fast-check';
import { card, events, periodFor } from './helpers.js';

const OCT = parseMonth('2026-10')!;
const utc = (text: string) => Date.parse(text);

function record(start: string, end: string, effective: string, extra: Partial<BillingRecord> = {}): BillingRecord {
  return {
    periodStartMs: utc(start),
    periodEndMs: utc(end),
    billedCost: new Decimal(effective).plus(1),
    effectiveCost: new Decimal(effective),
    listCost: null,
    currency: 'USD',
    provider: 'AWS',
    service: 'Amazon SageMaker',
    chargeCategory: 'usage',
    tags: { pool: 'embeddings' },
    ...extra,
  };
}

describe('billing-fed pool cost', () => {
  // period                          in October      split over its months at the amount's precision
  // 10-01 → 11-01 (whole month)     31 of 31 days   100.00
  // 10-25 → 11-05                   7 of 11 days    10000¢ × 7/11 = 6363 rem 7, × 4/11 = 3636 rem 4 → leftover ¢ to Oct: 63.64 (Nov 36.36)
  // 09-28 → 10-02                   1 of 4 days     40.00 × 1/4 = 10.00
  // 11-01 → 11-02                   none            0
  // 10-31 12:00 → 11-01 12:00       half a day each 0.01: 1¢ in two equal halves → tie → the earlier month: 0.01
  const cases: [string, string, string, string][] = [
    ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '100.00', '100'],
    ['2026-10-25T00:00:00Z', '2026-11-05T00:00:00Z', '100.00', '63.64'],
    ['2026-09-28T00:00:00Z', '2026-10-02T00:00:00Z', '40.00', '10'],
    ['2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '40.00', '0'],
    ['2026-10-31T12:00:00Z', '2026-11-01T12:00:00Z', '0.01', '0.01'],
  ];
  for (const [start, end, cost, expected] of cases) {
    it(`prorates ${cost} over ${start.slice(0, 16)} → ${end.slice(0, 16)} to ${expected} in October`, () => {
      assert.equal(proratedCost(record(start, end, cost), 'effective_cost', periodOf(OCT, 'UTC')).toFixed(), expected);
    });
  }

  it('splits a record spanning two months so that the months add up to it exactly, in any zone', () => {
    const costs = ['100.00', '0.01', '0.05', '33.33', '-7.77', '5.64902E-05', '1234.5678'];
    for (const zone of ['UTC', 'Asia/Kolkata', 'America/New_York']) {
      for (const cost of costs) {
        const r = record('2026-10-20T07:13:00Z', '2026-11-09T19:00:00Z', cost);
        const oct = proratedCost(r, 'effective_cost', periodOf(OCT, zone));
        const nov = proratedCost(r, 'effective_cost', periodOf(parseMonth('2026-11')!, zone));
        assert.equal(oct.plus(nov).toFixed(), new Decimal(cost).toFixed(), `${cost} in ${zone}: ${oct} + ${nov}`);
      }
    }
  });

  it('feeds a pool: filter by service and tags, sum the column, overhead, round once', () => {
    // matching: 100.00 (whole month) + 63.64 (7/11 of 100.00) = 163.64; × 1.10 = 180.004 → C = 180.00
    // not matching: another service; another tag value.
    const c = card(`  - id: embeddings
    cost: { billing: { service: "Amazon SageMaker", tags: { pool: embeddings } }, column: effective_cost }
    overhead_pct: "10"
    method: proportional
    driver: tokens`);
    const records = [
      record('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '100.00'),
      record('2026-10-25T00:00:00Z', '2026-11-05T00:00:00Z', '100.00'),
      record('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '999.00', { service: 'Amazon EC2' }),
      record('2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '999.00', { tags: { pool: 'chat' } }),
    ];
    const s = computeMonth({ card: c, period: periodFor(c), usage: [], billing: records });
    assert.equal(s.reconciliation.poolCosts.toFixed(2), '180.00');
    assert.deepEqual(s.lines.map((l) => [l.costCentre, l.method, l.amount.toFixed(2)]), [['CC-0000', 'idle', '180.00']]);
  });

  it('warns and costs 0.00 when the filter matches nothing', () => {
    const c = card(`  - { id: e, cost: { billing: { service: Nothing } }, method: proportional, driver: tokens }`);
    const s = computeMonth({ card: c, period: periodFor(c), usage: [], billing: [record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '5')] });
    assert.ok(s.warnings.includes('pool e: its billing filter matches no records in the month; its cost is 0.00'), s.warnings.join('\n'));
    assert.equal(s.reconciliation.poolCosts.toFixed(2), '0.00');
  });

  it('refuses to add records in another currency, naming it and the count', () => {
    const cost = card(`  - { id: e, cost: { billing: { provider: AWS } }, method: proportional, driver: tokens }`).pools[0]!.cost!;
    assert.ok(cost.kind === 'billing');
    const records = [
      record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '5', { currency: 'CAD' }),
      record('2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z', '5', { currency: 'CAD' }),
      record('2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z', '5'),
    ];
    assert.throws(() => billedCost('e', cost, records, periodOf(OCT, 'UTC'), 'USD'), (error: unknown) => {
      assert.ok(error instanceof CurrencyError);
      assert.equal(error.message, 'pool e: 2 billing records in CAD, but the rate card is in USD: amounts in two currencies are never added (give the card exchange_rates for CAD to convert them)');
      return true;
    });
  });

  const RATES = `exchange_rates:
  EUR: { rate: "1.0832", date: 2026-10-30, source: "ECB euro reference rate" }
  JPY: { rate: "0.0066", date: 2026-10-30, source: "ECB via EUR" }`;

  it('converts each foreign currency\'s exact sum once at the card\'s rate, and rounds the pool once', () => {
    // USD 5.00 + EUR (10.00 + 2.505) × 1.0832 = 5 + 12.505 × 1.0832 = 5 + 13.545416 = 18.545416
    //   + JPY 1234 × 0.0066 = 8.1444 → 26.689816 → C 26.69 (per record rounding would give 5 + 10.83 + 2.71 + 8.14 = 26.68)
    const c = card(`  - { id: e, cost: { billing: { provider: AWS } }, method: proportional, driver: tokens }`, RATES);
    const records = [
      record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '5.00'),
      record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '10.00', { currency: 'EUR' }),
      record('2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z', '2.505', { currency: 'EUR' }),
      record('2026-10-02T00:00:00Z', '2026-10-03T00:00:00Z', '1234', { currency: 'JPY' }),
    ];
    const s = computeMonth({ card: c, period: periodFor(c), usage: [], billing: records });
    assert.equal(s.reconciliation.poolCosts.toFixed(2), '26.69');
    const source = s.poolCosts[0]!;
    assert.equal(source.base?.toFixed(), '26.689816');
    assert.deepEqual(source.conversions?.map((v) => [v.currency, v.amount.toFixed(), v.rate.toFixed(), v.date, v.source, v.converted.toFixed()]), [
      ['EUR', '12.505', '1.0832', '2026-10-30', 'ECB euro reference rate', '13.545416'],
      ['JPY', '1234', '0.0066', '2026-10-30', 'ECB via EUR', '8.1444'],
    ]);
  });

  it('a currency without a rate still stops the run, naming only the unrated one', () => {
    const c = card(`  - { id: e, cost: { billing: { provider: AWS } }, method: proportional, driver: tokens }`, RATES);
    const records = [record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '1', { currency: 'EUR' }), record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '1', { currency: 'GBP' })];
    assert.throws(() => computeMonth({ card: c, period: periodFor(c), usage: [], billing: records }), /pool e: 1 billing record in GBP, but the rate card is in USD.*exchange_rates for GBP/);
  });

  it('property: C is the sum in the card\'s currency plus each foreign sum × its rate, rounded once; lines add up to C; order does not matter', () => {
    const amount = fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }).chain((units) => fc.integer({ min: 0, max: 6 }).map((places) => new Decimal(units.toString()).dividedBy(new Decimal(10).pow(places))));
    const rate = fc.bigInt({ min: 1n, max: 10n ** 8n }).chain((units) => fc.integer({ min: 0, max: 8 }).map((places) => new Decimal(units.toString()).dividedBy(new Decimal(10).pow(places))));
    const item = fc.record({ currency: fc.constantFrom('USD', 'EUR', 'JPY'), amount, team: fc.constantFrom('a', 'b') });
    fc.assert(fc.property(fc.array(item, { minLength: 1, maxLength: 12 }), rate, rate, fc.boolean(), (items, eur, jpy, reverse) => {
      const c = card(`  - { id: e, cost: { billing: { provider: AWS } }, method: proportional, driver: tokens }`, `exchange_rates:
  EUR: { rate: "${eur.toFixed()}", date: 2026-10-30, source: test }
  JPY: { rate: "${jpy.toFixed()}", date: 2026-10-30, source: test }`);
      const records = items.map((i) => record('2026-10-05T00:00:00Z', '2026-10-06T00:00:00Z', i.amount.toFixed(), { currency: i.currency }));
      const usage = [events('a', 'm', { input_tokens: 3 }), events('b', 'm', { input_tokens: 5 })];
      const s = computeMonth({ card: c, period: periodFor(c), usage, billing: reverse ? [...records].reverse() : records });
      const of = (code: string) => items.filter((i) => i.currency === code).reduce((t, i) => t.plus(i.amount), new Decimal(0));
      const expected = of('USD').plus(of('EUR').times(eur)).plus(of('JPY').times(jpy)).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
      assert.equal(s.reconciliation.poolCosts.toFixed(2), expected.toFixed(2));
      assert.equal(s.lines.reduce((t, l) => t.plus(l.amount), new Decimal(0)).toFixed(2), expected.toFixed(2));
    }), { numRuns: 300 });
  });
});

describe('Azure resource groups are one whatever their letter case (issue 31)', () => {
  const period = periodOf(parseMonth('2026-10')!, 'UTC');
  const bill = (group: string, cost: string): BillingRecord => ({
    periodStartMs: Date.UTC(2026, 9, 1), periodEndMs: Date.UTC(2026, 9, 2), billedCost: new Decimal(cost), effectiveCost: new Decimal(cost), listCost: null,
    currency: 'USD', provider: 'Microsoft', service: 'Storage', chargeCategory: 'usage', tags: { resource_group: group }, resourceGroup: group,
  });
  it('the billing summary sums COSTMGMT and costmgmt as one group, shown as first seen', () => {
    const summary = summariseBilling([bill('COSTMGMT', '1.00'), bill('costmgmt', '2.50'), bill('Other', '4.00')], period);
    assert.deepEqual(summary.byTag.map((r) => [r.group, r.records, r.billedCost.toFixed()]), [['resource_group=COSTMGMT', 2, '3.5'], ['resource_group=Other', 1, '4']]);
  });
});
