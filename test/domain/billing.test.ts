import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { billedCost, proratedCost } from '../../src/domain/billing.js';
import { computeMonth } from '../../src/domain/compute.js';
import { CurrencyError } from '../../src/domain/errors.js';
import { Decimal } from '../../src/domain/money.js';
import { monthRange, parseMonth } from '../../src/domain/month.js';
import type { BillingRecord } from '../../src/domain/types.js';
import { card } from './helpers.js';

const october = monthRange(parseMonth('2026-10')!);
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
  // period                          in October        cost × fraction
  // 10-01 → 11-01 (whole month)     31 of 31 days     100.00
  // 10-25 → 11-05                   7 of 11 days      100.00 × 7/11 = 63.6363…
  // 09-28 → 10-02                   1 of 4 days       40.00 × 1/4 = 10.00
  // 11-01 → 11-02                   none              0
  const cases: [string, string, string, string][] = [
    ['2026-10-01T00:00:00Z', '2026-11-01T00:00:00Z', '100.00', '100'],
    ['2026-10-25T00:00:00Z', '2026-11-05T00:00:00Z', '100.00', '63.636363636363636363'],
    ['2026-09-28T00:00:00Z', '2026-10-02T00:00:00Z', '40.00', '10'],
    ['2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z', '40.00', '0'],
  ];
  for (const [start, end, cost, expected] of cases) {
    it(`prorates ${cost} over ${start.slice(0, 10)} → ${end.slice(0, 10)} to ${expected}`, () => {
      const amount = proratedCost(record(start, end, cost), 'effective_cost', october);
      assert.equal(amount.toDecimalPlaces(18, Decimal.ROUND_DOWN).toFixed(), expected);
    });
  }

  it('feeds a pool: filter by service and tags, sum the column, overhead, round once', () => {
    // matching: 100.00 (whole month) + 63.6363… (7/11) = 163.6363…; × 1.10 = 180.0000… → C = 180.00
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
    const s = computeMonth({ card: c, month: '2026-10', usage: [], billing: { records, range: october } });
    assert.equal(s.reconciliation.poolCosts.toFixed(2), '180.00');
    assert.deepEqual(s.lines.map((l) => [l.costCentre, l.method, l.amount.toFixed(2)]), [['CC-0000', 'idle', '180.00']]);
  });

  it('warns and costs 0.00 when the filter matches nothing', () => {
    const c = card(`  - { id: e, cost: { billing: { service: Nothing } }, method: proportional, driver: tokens }`);
    const s = computeMonth({ card: c, month: '2026-10', usage: [], billing: { records: [record('2026-10-01T00:00:00Z', '2026-10-02T00:00:00Z', '5')], range: october } });
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
    assert.throws(() => billedCost('e', cost, records, october, 'USD'), (error: unknown) => {
      assert.ok(error instanceof CurrencyError);
      assert.equal(error.message, 'pool e: 2 billing records in CAD, but the rate card is in USD: amounts in two currencies are never added');
      return true;
    });
  });
});
