import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reconciliationFailures } from '../../src/domain/compute.js';
import { compute, events, gpu, rows } from './helpers.js';

describe('proxy-price-per-token', () => {
  const pool = (extra = '') => `  - id: llm
    cost: { fixed: "10.00" }
    method: proxy-price-per-token
    driver: tokens
    capacity: "8000"
${extra}`;

  it('prices q × C / capacity half-up per line, multiplied before dividing; idle to unallocated', () => {
    // unit price 10.00 / 8000 = 0.00125
    //   A   4 tokens × 0.00125 = 0.005  exactly → half-up → 0.01
    //   B  12 tokens × 0.00125 = 0.015  exactly → 0.02
    //   C   2 tokens × 0.00125 = 0.0025         → 0.00 (quantity 2: still a row)
    // idle = 10.00 − 0.03 = 9.97 → CC-0000 idle
    const s = compute(pool(), [events('a', 'm', { input_tokens: 4 }), events('b', 'm', { input_tokens: 12 }), events('c', 'm', { output_tokens: 2 })]);
    assert.deepEqual(rows(s), [
      ['A', 'llm', 'proxy-price-per-token', '4', '0.01'],
      ['B', 'llm', 'proxy-price-per-token', '12', '0.02'],
      ['C', 'llm', 'proxy-price-per-token', '2', '0.00'],
      ['CC-0000', 'llm', 'idle', '', '9.97'],
    ]);
    assert.equal(s.lines[0]?.unitPrice?.toFixed(), '0.00125');
    assert.deepEqual(reconciliationFailures(s), []);
  });

  it('posts a negative idle line with a warning when charges over-recover', () => {
    // A 8000 tokens → 10.00; B 4 → 0.01; idle = 10.00 − 10.01 = −0.01
    const s = compute(pool(), [events('a', 'm', { input_tokens: 8000 }), events('b', 'm', { input_tokens: 4 })]);
    assert.deepEqual(rows(s).at(-1), ['CC-0000', 'llm', 'idle', '', '-0.01']);
    assert.match(s.warnings.join(), /pool llm: charges exceed its cost by 0.01 \(over-recovery\)/);
  });

  it('spreads idle over the charged centres by |charge| when idle: spread', () => {
    // capacity 1000, C = 10.01: A 300 → 3.003 → 3.00; B 100 → 1.001 → 1.00; idle 6.01 = 601 cents
    //   A 601 × 300/400 = 450.75 → 450 rem .75;  B 601 × 100/400 = 150.25 → 150 rem .25;  1 leftover → A
    //   A 3.00 + 4.51 = 7.51;  B 1.00 + 1.50 = 2.50;  Σ 10.01
    const spread = pool('    idle: spread').replace('"10.00"', '"10.01"').replace('"8000"', '"1000"');
    const s = compute(spread, [events('a', 'm', { input_tokens: 300 }), events('b', 'm', { input_tokens: 100 })]);
    assert.deepEqual(rows(s), [
      ['A', 'llm', 'proxy-price-per-token', '300', '7.51'],
      ['B', 'llm', 'proxy-price-per-token', '100', '2.50'],
    ]);
  });

  it('weights tokens (cached at its own weight) and scales them by tier multipliers', () => {
    // weighted = (input − cached) × 1 + cached × 0.1 + output × 3
    //   A: (100 − 40) + 40 × 0.1 + 10 × 3 = 60 + 4 + 30 = 94, tier priority × 1.5 = 141
    //   B: 100 + 0 + 0 = 100, tier batch × 0.5 = 50;  C: 10, no tier → × 1 = 10
    // C = 10.00, capacity 1000 → A 1.41, B 0.50, C 0.10, idle 7.99
    const weighted = pool(`    weights: { input: "1", output: "3", cached: "0.1" }
    tier_multipliers: { priority: "1.5", batch: "0.5" }`).replace('driver: tokens', 'driver: weighted_tokens').replace('"8000"', '"1000"');
    const s = compute(weighted, [
      events('a', 'm', { input_tokens: 100, cached_input_tokens: 40, output_tokens: 10 }, { tier: 'priority' }),
      events('b', 'm', { input_tokens: 100 }, { tier: 'batch' }),
      events('c', 'm', { input_tokens: 10 }),
    ]);
    assert.deepEqual(rows(s), [
      ['A', 'llm', 'proxy-price-per-token', '141', '1.41'],
      ['B', 'llm', 'proxy-price-per-token', '50', '0.50'],
      ['C', 'llm', 'proxy-price-per-token', '10', '0.10'],
      ['CC-0000', 'llm', 'idle', '', '7.99'],
    ]);
  });
});

describe('time-based', () => {
  const pool = (params: string, cost = '') => `  - id: gpus
${cost}    usage: { sources: [gpu] }
    method: time-based
    driver: gpu_hours
${params}`;

  it('charges hours × rate, exact hours, idle when the pool has a cost', () => {
    // rate 2.10: A 5400 s = 1.5 h → 3.15;  B 1 s = 1/3600 h → 0.000583… → 0.00 (a row: quantity ≠ 0)
    // C 1 s at rate 18.00 would be exactly 0.005 — see the next case.  Cost 10.00 → idle 6.85
    const s = compute(pool('    rate: "2.10"', '    cost: { fixed: "10.00" }\n'), [gpu('a', 5400), gpu('b', 1)]);
    assert.deepEqual(rows(s).map((r) => [r[0], r[2], r[4]]), [
      ['A', 'time-based', '3.15'],
      ['B', 'time-based', '0.00'],
      ['CC-0000', 'idle', '6.85'],
    ]);
    assert.equal(s.lines[0]?.quantity?.toFixed(), '1.5');
    assert.equal(s.lines[1]?.quantity?.toDecimalPlaces(20).toFixed(), '0.00027777777777777778');
  });

  it('keeps an exact half-cent a half-cent: 1 s at 18.00/h is 0.005 → 0.01', () => {
    // 1/3600 h × 18.00 = 0.005 exactly. Dividing first (0.000277… × 18) would fall just short.
    const s = compute(pool('    rate: "18.00"'), [gpu('a', 1), gpu('b', 3)]);
    assert.deepEqual(rows(s).map((r) => r[4]), ['0.01', '0.02']); // B: 3 s → 0.015 → 0.02
    assert.deepEqual(reconciliationFailures(s), []); // a price list: its total is its lines
  });

  it('derives the rate as C / capacity GPU-hours when no rate is given', () => {
    // C = 9200.00, capacity 4000 h → 2.30/h; A 1.5 h → 3.45; B 0.5 h (busy counts nothing here) → 1.15
    const s = compute(pool('    capacity: "4000"', '    cost: { fixed: "9200.00" }\n'), [gpu('a', 5400), gpu('b', 1800)]);
    assert.deepEqual(rows(s).map((r) => r[4]), ['3.45', '1.15', '9195.40']);
    assert.equal(s.lines[0]?.unitPrice?.toFixed(), '2.3');
  });

  it('takes only GPU intervals: a gateway event adds nothing to GPU hours', () => {
    const s = compute(pool('    rate: "1.00"'), [gpu('a', 3600), events('b', 'm', { input_tokens: 5 })]);
    assert.deepEqual(rows(s), [['A', 'gpus', 'time-based', '1', '1.00']]);
    assert.equal(s.unpriced.length, 1);
  });
});

describe('tiered', () => {
  const bands = `    tiers:
      - { up_to: 1000000, price: "0.0100" }
      - { up_to: 10000000, price: "0.0080" }
      - { price: "0.0060" }`;
  const pool = (mode: string) => `  - id: api
    method: tiered
    mode: ${mode}
    driver: output_tokens
    per: 1000
${bands}`;
  const price = (mode: string, output: number) =>
    rows(compute(pool(mode), [events('a', 'm', { output_tokens: output })]))[0]?.[4] ?? '(no row)';

  // q            graduated                                             volume
  // 1,000,000    1e6 × 0.01 / 1000 = 10.00 (on the boundary: band 1)   band 1 (inclusive): 10.00
  // 1,000,001    10.00 + 1 × 0.008/1000 = 10.000008 → 10.00           band 2: 1,000,001 × 0.008/1000 = 8.000008 → 8.00
  // 12,000,000   10 + 9e6 × 0.008/1000 + 2e6 × 0.006/1000 = 10+72+12   band 3: 12e6 × 0.006/1000 = 72.00
  //              = 94.00
  // 0            no row                                                no row (band 1 × 0)
  const cases: [number, string, string][] = [
    [1_000_000, '10.00', '10.00'],
    [1_000_001, '10.00', '8.00'],
    [12_000_000, '94.00', '72.00'],
    [0, '(no row)', '(no row)'],
  ];
  for (const [q, graduated, volume] of cases) {
    it(`${q} output tokens: graduated ${graduated}, volume ${volume}`, () => {
      assert.equal(price('graduated', q), graduated);
      assert.equal(price('volume', q), volume);
    });
  }

  it('rounds a graduated line once, after summing its bands', () => {
    // bands (0, 500] at 0.01/1000 and above at 0.008/1000; q = 1125:
    //   500 × 0.01/1000 = 0.005 and 625 × 0.008/1000 = 0.005 → Σ 0.010 → 0.01 (rounding each band would give 0.02)
    const twoBands = pool('graduated').replace(bands, `    tiers:
      - { up_to: 500, price: "0.0100" }
      - { price: "0.0080" }`);
    assert.deepEqual(rows(compute(twoBands, [events('a', 'm', { output_tokens: 1125 })]))[0]?.[4], '0.01');
  });

  it('settles idle against a cost like any price method', () => {
    const s = compute(pool('volume').replace('method: tiered', 'cost: { fixed: "100.00" }\n    method: tiered'), [events('a', 'm', { output_tokens: 12_000_000 })]);
    assert.deepEqual(rows(s).map((r) => [r[0], r[2], r[4]]), [['A', 'tiered', '72.00'], ['CC-0000', 'idle', '28.00']]);
  });
});

describe('flat-plus-overage', () => {
  const pool = `  - id: premium
    usage: { tiers: [priority] }
    method: flat-plus-overage
    driver: requests
    subscribers: [B]
    flat: "500.00"
    included: 200000
    per: 1000
    overage: "1.20"`;

  it('charges subscribers and every other centre with usage; a subscriber without usage pays the flat fee', () => {
    // A (not a subscriber) 250,000 → 500 + 50,000/1000 × 1.20 = 560.00
    // B (subscriber, no usage)      → 500.00
    // C 200,417                     → 500 + 417/1000 × 1.20 = 500.5004 → 500.50
    // growth (unmatched) 200,001    → 500 + 0.0012 → 500.00, to CC-0000
    // A standard-tier request is not this pool's usage.
    const s = compute(pool, [
      events('a', 'm', { requests: 250_000 }, { tier: 'priority' }),
      events('c', 'm', { requests: 200_417 }, { tier: 'priority' }),
      events('growth', 'm', { requests: 200_001 }, { tier: 'priority' }),
      events('b', 'm', { requests: 99 }, { tier: 'standard' }),
    ], 'unpriced: ignore');
    assert.deepEqual(rows(s), [
      ['A', 'premium', 'flat-plus-overage', '250000', '560.00'],
      ['B', 'premium', 'flat-plus-overage', '0', '500.00'],
      ['C', 'premium', 'flat-plus-overage', '200417', '500.50'],
      ['CC-0000', 'premium', 'flat-plus-overage', '200001', '500.00'],
    ]);
    assert.equal(s.reconciliation.priceListCharges.toFixed(2), '2060.50');
    assert.deepEqual(reconciliationFailures(s), []);
  });
});

describe('hybrid', () => {
  const pools = `  - id: base
    cost: { fixed: "60.00" }
    method: proportional
    driver: tokens
  - id: platform
    cost: { fixed: "1.00" }
    method: hybrid
    components:
      - { weight: "0.25", split: even }
      - { weight: "0.25", split: shares, shares: { A: 2, B: 1 } }
      - { weight: "0.50", split: driver, driver: charges }`;

  it('splits C by component weight, then each component, and sums the parts of each centre', () => {
    // base: 60.00 by tokens, A 1 B 1 C 1 D(unmatched) 1 → 15.00 each
    // platform: C = 100 cents → components 25 / 25 / 50
    //   even over A, B, C (unallocated excluded): 25/3 → 8 each rem 1 → 1 leftover → A: 9, 8, 8
    //   shares A:2 B:1: 25 × 2/3 = 16 rem 2, 25/3 = 8 rem 1 → leftover → A: 17, 8
    //   charges (A, B, C at 15.00 each; CC-0000 takes no part): 50/3 → 16 rem 2 each → 2 leftover → A, B: 17, 17, 16
    //   A 9 + 17 + 17 = 43;  B 8 + 8 + 17 = 33;  C 8 + 0 + 16 = 24;  Σ 100
    const usage = ['a', 'b', 'c', 'd'].map((team) => events(team, 'm', { input_tokens: 1 }));
    const s = compute(pools, usage);
    assert.deepEqual(rows(s).filter((r) => r[1] === 'platform'), [
      ['A', 'platform', 'hybrid', '', '0.43'],
      ['B', 'platform', 'hybrid', '', '0.33'],
      ['C', 'platform', 'hybrid', '', '0.24'],
    ]);
    assert.deepEqual(reconciliationFailures(s), []);
  });

  it('gives a component with nobody to split over to the unallocated centre', () => {
    // No usage: base is one idle line; even and charges have nobody → 75 cents to CC-0000; shares → A 17, B 8.
    const s = compute(pools, []);
    assert.deepEqual(rows(s).filter((r) => r[1] === 'platform'), [
      ['A', 'platform', 'hybrid', '', '0.17'],
      ['B', 'platform', 'hybrid', '', '0.08'],
      ['CC-0000', 'platform', 'hybrid', '', '0.75'],
    ]);
    assert.equal(s.warnings.filter((w) => w.includes('nobody to split over')).length, 2);
  });

  it('breaks a tie between components towards the earlier one', () => {
    // C = 1 cent, weights 0.5 / 0.5 → the first component (shares: A) takes it.
    const tie = `  - id: p
    cost: { fixed: "0.01" }
    method: hybrid
    components:
      - { weight: "0.5", split: shares, shares: { A: 1 } }
      - { weight: "0.5", split: shares, shares: { B: 1 } }`;
    assert.deepEqual(rows(compute(tie, [])), [['A', 'p', 'hybrid', '', '0.01']]);
  });
});

describe('proportional edges', () => {
  it('splits a negative pool cost (credits) as its absolute value, negated', () => {
    // −100.00 over A, B, C equally: 10000/3 = 3333 rem 1 each → leftover → A → −33.34, −33.33, −33.33
    const s = compute(`  - { id: credit, cost: { fixed: "-100.00" }, method: proportional, driver: requests }`,
      ['a', 'b', 'c'].map((t) => events(t, 'm', { requests: 1 })));
    assert.deepEqual(rows(s).map((r) => r[4]), ['-33.34', '-33.33', '-33.33']);
  });

  it('scales the driver by tier multipliers', () => {
    // requests × multiplier: A 10 × 2 = 20, B 10 × 0.5 = 5, C 10 (no tier) = 10; Q = 35; C = 35.00
    const s = compute(`  - id: p
    cost: { fixed: "35.00" }
    method: proportional
    driver: requests
    tier_multipliers: { priority: "2", batch: "0.5" }`, [
      events('a', 'm', { requests: 10 }, { tier: 'priority' }),
      events('b', 'm', { requests: 10 }, { tier: 'batch' }),
      events('c', 'm', { requests: 10 }),
    ]);
    assert.deepEqual(rows(s).map((r) => [r[0], r[3], r[4]]), [['A', '20', '20.00'], ['B', '5', '5.00'], ['C', '10', '10.00']]);
  });

  it('can be driven by charges, computed after the other pools', () => {
    // base: tiered price list, A 300 requests → 3.00, B 100 → 1.00 (per 1, price 0.01)
    // shared: 10.00 by charges 3:1 → A 7.50, B 2.50 (listed first in the card, computed last)
    const s = compute(`  - { id: shared, cost: { fixed: "10.00" }, method: proportional, driver: charges }
  - id: base
    method: tiered
    driver: requests
    tiers: [{ price: "0.01" }]`, [events('a', 'm', { requests: 300 }), events('b', 'm', { requests: 100 })]);
    assert.deepEqual(rows(s), [
      ['A', 'base', 'tiered', '300', '3.00'],
      ['A', 'shared', 'proportional', '3', '7.50'],
      ['B', 'base', 'tiered', '100', '1.00'],
      ['B', 'shared', 'proportional', '1', '2.50'],
    ]);
  });
});
