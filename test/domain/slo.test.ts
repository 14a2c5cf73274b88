import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeMonth, reconciliationFailures } from '../../src/domain/compute.js';
import { Decimal, sum } from '../../src/domain/money.js';
import {
  availabilityCreditPct,
  availabilityPct,
  creditCents,
  latencyCreditPct,
  nearestRank,
  sloKey,
  sloMeasures,
  type SloMeasure,
} from '../../src/domain/slo.js';
import type { SloPromise } from '../../src/domain/types.js';
import { card, events, periodFor, rows } from './helpers.js';

const d = (value: number | string) => new Decimal(String(value));

/** The promise the issue describes: premium, p99 ≤ 100 ms and ≥ 99.9% available. */
const PREMIUM: SloPromise = {
  tier: 'premium',
  latencyP99Ms: d(100),
  latencyCredits: [{ upToMs: d(150), creditPct: d(10) }, { upToMs: null, creditPct: d(25) }],
  availabilityPct: d('99.9'),
  availabilityCredits: [{ fromPct: d('99.0'), creditPct: d(10) }, { fromPct: d('95.0'), creditPct: d(25) }, { fromPct: null, creditPct: d(100) }],
};

describe('SLO measurement (issue 21)', () => {
  it('takes the nearest rank: the ⌈p × N / 100⌉-th smallest value, never an interpolation', () => {
    const ones = (values: number[]) => values.map((v) => [d(v), 1n] as const);
    const cases: [string, (readonly [Decimal, bigint])[], string | null][] = [
      ['nothing measured', [], null],
      ['one request', ones([42]), '42'],
      ['1..100: the 99th', ones(Array.from({ length: 100 }, (_, i) => i + 1)), '99'],
      ['1..101: rank ⌈99.99⌉ = 100', ones(Array.from({ length: 101 }, (_, i) => i + 1)), '100'],
      ['1..200: rank 198', ones(Array.from({ length: 200 }, (_, i) => i + 1)), '198'],
      ['counts: 99 fast and 1 slow: the fast', [[d(10), 99n], [d(900), 1n]], '10'],
      ['counts: 98 fast and 2 slow: the slow', [[d(10), 98n], [d(900), 2n]], '900'],
      ['fractions of a millisecond stay exact', [[d('99.5'), 99n], [d('100.25'), 1n]], '99.5'],
    ];
    for (const [what, histogram, expected] of cases) assert.equal(nearestRank(histogram, 99)?.toFixed() ?? null, expected, what);
  });

  it('is the same percentile as sorting every value, whatever the values (property)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 100 }), (values, p) => {
      const sorted = [...values].sort((a, b) => a - b);
      const counts = new Map<number, bigint>();
      for (const v of sorted) counts.set(v, (counts.get(v) ?? 0n) + 1n);
      const expected = sorted[Math.ceil((p * sorted.length) / 100) - 1]!;
      assert.equal(nearestRank([...counts].map(([v, n]) => [d(v), n] as const), p)!.toNumber(), expected);
    }));
  });

  it('gives availability as the exact share of ok requests', () => {
    const measure = (ok: bigint, errors: bigint): SloMeasure => ({ okRequests: ok, withoutLatency: 0n, errorRequests: errors, p99Ms: null });
    assert.equal(availabilityPct(measure(999n, 1n))!.toFixed(), '99.9');
    assert.equal(availabilityPct(measure(2n, 1n))!.toFixed(20), '66.66666666666666666667');
    assert.equal(availabilityPct(measure(0n, 0n)), null);
  });

  it('credits latency by band: at the promise nothing, one millisecond over the first band, at a bound that band', () => {
    const cases: [number | string | null, string][] = [
      [null, '0'], [99, '0'], [100, '0'], ['100.001', '10'], [101, '10'], [150, '10'], ['150.5', '25'], [151, '25'], [100_000, '25'],
    ];
    for (const [p99, credit] of cases) assert.equal(latencyCreditPct(PREMIUM, p99 === null ? null : d(p99)).toFixed(), credit, `p99 ${p99}`);
  });

  it('credits availability by band: at the promise nothing, just under it the first band, at a band\'s floor that band', () => {
    const cases: [string | null, string][] = [
      [null, '0'], ['100', '0'], ['99.9', '0'], ['99.8999', '10'], ['99.0', '10'], ['98.9999', '25'], ['95', '25'], ['94.9999', '100'], ['0', '100'],
    ];
    for (const [availability, credit] of cases) assert.equal(availabilityCreditPct(PREMIUM, availability === null ? null : d(availability)).toFixed(), credit, `${availability}%`);
  });

  it('never credits more than the charge, nor anything of nothing', () => {
    assert.equal(creditCents(41230n, d(25)), 10308n); // 103.075 → 103.08, half up
    assert.equal(creditCents(41230n, d(100)), 41230n);
    assert.equal(creditCents(0n, d(50)), 0n);
    assert.equal(creditCents(-500n, d(50)), 0n);
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), fc.integer({ min: 0, max: 100_000 }), (charge, pct) => {
      const credit = creditCents(charge, d(pct).dividedBy(1000));
      assert.ok(credit >= 0n && (credit <= charge || charge <= 0n));
    }));
  });

  it('counts requests by outcome, and requests without a latency apart (never as fast)', () => {
    const key = sloKey('llm', 'premium', 'A');
    const measures = sloMeasures(
      [{ key, ok: true, withLatency: true, requests: 98n }, { key, ok: true, withLatency: false, requests: 5n }, { key, ok: false, withLatency: true, requests: 2n }],
      new Map([[key, [[d(10), 97n], [d(500), 1n]] as [Decimal, bigint][]]]),
    );
    assert.deepEqual(measures.get(key), { okRequests: 103n, withoutLatency: 5n, errorRequests: 2n, p99Ms: d(500) });
  });
});

const SLO_POOL = `
  - id: llm
    cost: { fixed: "1000.00" }
    method: proportional
    driver: requests
    slo:
      - tier: premium
        latency_p99_ms: 100
        latency_credits: [{ up_to_ms: 150, credit_pct: 10 }, { credit_pct: 25 }]
        availability_pct: "99.9"
        availability_credits: [{ from_pct: "99.0", credit_pct: 10 }, { from_pct: "95.0", credit_pct: 25 }, { credit_pct: 100 }]
  - id: api
    method: flat-plus-overage
    driver: requests
    subscribers: [B]
    flat: "500.00"
    included: 100
    per: 1
    overage: "0.10"
    slo:
      - { tier: premium, availability_pct: "99.5", availability_credits: [{ credit_pct: 50 }] }`;

describe('SLO credits in the statement (issue 21)', () => {
  const c = card(SLO_POOL);
  const usage = [
    events('a', 'm', { requests: 600 }, { tier: 'premium' }),
    events('a', 'm', { requests: 200 }, { tier: 'standard' }),
    events('b', 'm', { requests: 200 }, { tier: 'premium' }),
  ];
  const measure = (p99: number, ok: bigint, errors: bigint): SloMeasure => ({ okRequests: ok, withoutLatency: 0n, errorRequests: errors, p99Ms: d(p99) });

  it('writes a credit line per breached tier and centre, and the platform absorbs it in the idle line', () => {
    const statement = computeMonth({
      card: c,
      period: periodFor(c),
      usage,
      slo: new Map([
        [sloKey('llm', 'premium', 'A'), measure(151, 1000n, 0n)], // latency: 25% of A's premium share
        [sloKey('llm', 'premium', 'B'), measure(100, 999n, 1n)], // kept exactly
        [sloKey('api', 'premium', 'B'), measure(80, 99n, 1n)], // 99% < 99.5%: 50%
      ]),
    });
    assert.deepEqual(rows(statement), [
      ['A', 'api', 'flat-plus-overage', '800', '570.00'], // no promise measured for A here: no credit
      ['A', 'llm', 'proportional', '800', '800.00'],
      ['A', 'llm', 'slo-credit', '', '-150.00'], // 25% of 600/800 × 800.00
      ['B', 'api', 'flat-plus-overage', '200', '510.00'],
      ['B', 'api', 'slo-credit', '', '-255.00'], // a price list recovers less
      ['B', 'llm', 'proportional', '200', '200.00'],
      ['CC-0000', 'llm', 'idle', '', '150.00'],
    ]);
    assert.deepEqual(reconciliationFailures(statement), []);
    const credit = statement.lines.find((l) => l.method === 'slo-credit' && l.pool === 'llm')!;
    assert.equal(credit.parts![0]!.what, "tier premium: p99 151 ms (promised ≤ 100 ms), availability 100% (promised ≥ 99.9%): 25% of the tier's 600.00 credited");
  });

  it('keeps every pool reconciled and every credit within its tier charge, whatever was measured (property)', () => {
    const arbitraryMeasure = fc.record({
      okRequests: fc.bigInt({ min: 0n, max: 10_000n }), withoutLatency: fc.constant(0n), errorRequests: fc.bigInt({ min: 0n, max: 500n }),
      p99Ms: fc.option(fc.integer({ min: 0, max: 1000 }).map(d), { nil: null }),
    });
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 3, maxLength: 3 }), arbitraryMeasure, arbitraryMeasure, arbitraryMeasure,
      ([x, y, z], m1, m2, m3) => {
        const statement = computeMonth({
          card: c,
          period: periodFor(c),
          usage: [events('a', 'm', { requests: x! }, { tier: 'premium' }), events('a', 'm', { requests: y! }, { tier: 'standard' }), events('b', 'm', { requests: z! }, { tier: 'premium' })],
          slo: new Map([[sloKey('llm', 'premium', 'A'), m1], [sloKey('llm', 'premium', 'B'), m2], [sloKey('api', 'premium', 'B'), m3]]),
        });
        assert.deepEqual(reconciliationFailures(statement), []);
        // The premium share of each centre's requests: A's x of x + y, all of B's.
        const premiumShare: Record<string, [number, number]> = { A: [x!, x! + y!], B: [z!, z!] };
        for (const pool of ['llm', 'api']) {
          for (const centre of ['A', 'B']) {
            const of = statement.lines.filter((l) => l.pool === pool && l.costCentre === centre);
            const charged = sum(of.filter((l) => l.method !== 'slo-credit').map((l) => l.amount));
            const [tier, all] = premiumShare[centre]!;
            const tierCharge = all === 0 ? new Decimal(0) : charged.times(tier).dividedBy(all).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
            const credited = sum(of.filter((l) => l.method === 'slo-credit').map((l) => l.amount)).negated();
            assert.ok(credited.greaterThanOrEqualTo(0) && credited.lessThanOrEqualTo(tierCharge), `${pool} ${centre}: ${credited} of the tier's ${tierCharge}`);
          }
        }
      }));
  });
});
