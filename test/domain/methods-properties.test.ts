import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { poolCostCents, reconciliationFailures } from '../../src/domain/compute.js';
import { fromCents, sum } from '../../src/domain/money.js';
import type { UsageGroup } from '../../src/domain/types.js';
import { card, compute, events, gpu, rows } from './helpers.js';
import { partsTotal } from '../../src/domain/parts.js';

/** One pool of each method; `COST` is replaced by a random amount, idle mode by a random one. */
const POOLS: Record<string, string> = {
  proportional: `  - { id: p, cost: { fixed: "COST" }, overhead_pct: "7.5", method: proportional, driver: weighted_tokens,
      weights: { input: "1", output: "3", cached: "0.25" }, tier_multipliers: { priority: "1.5", batch: "0.5" } }`,
  'proxy-price-per-token': `  - { id: p, cost: { fixed: "COST" }, method: proxy-price-per-token, driver: tokens, capacity: "7777777", idle: IDLE }`,
  'time-based (rate)': `  - { id: p, cost: { fixed: "COST" }, method: time-based, driver: gpu_busy_hours, rate: "2.37", idle: IDLE }`,
  'time-based (capacity)': `  - { id: p, cost: { fixed: "COST" }, method: time-based, driver: gpu_hours, capacity: "333", idle: IDLE }`,
  tiered: `  - id: p
    cost: { fixed: "COST" }
    method: tiered
    mode: MODE
    driver: output_tokens
    per: 1000
    idle: IDLE
    tiers: [{ up_to: 100000, price: "0.013" }, { up_to: 900000, price: "0.0071" }, { price: "0.0033" }]`,
  'flat-plus-overage': `  - { id: p, cost: { fixed: "COST" }, method: flat-plus-overage, driver: requests, subscribers: [A, C],
      flat: "3.33", included: 50, per: 7, overage: "0.19", idle: IDLE }`,
  hybrid: `  - { id: base, cost: { fixed: "123.45" }, method: proportional, driver: requests }
  - id: p
    cost: { fixed: "COST" }
    method: hybrid
    components:
      - { weight: "0.2", split: even }
      - { weight: "0.3", split: shares, shares: { A: 3, B: 1, C: 7 } }
      - { weight: "0.1", split: driver, driver: input_tokens }
      - { weight: "0.4", split: driver, driver: charges }`,
};

const team = fc.constantFrom('a', 'b', 'c', 'growth', 'x');
const gatewayGroup = fc
  .record({
    team,
    tier: fc.constantFrom(undefined, 'priority', 'batch', 'standard'),
    input: fc.nat({ max: 2_000_000 }),
    cachedShare: fc.nat({ max: 100 }),
    output: fc.nat({ max: 2_000_000 }),
    requests: fc.nat({ max: 500 }),
  })
  .map(({ team: t, tier, input, cachedShare, output, requests }) =>
    events(t, 'm', { input_tokens: input, cached_input_tokens: Math.floor((input * cachedShare) / 100), output_tokens: output, requests },
      tier ? { tier } : {}),
  );
const gpuGroup = fc
  .record({ team, seconds: fc.nat({ max: 3_000_000 }), util: fc.nat({ max: 100 }) })
  .map(({ team: t, seconds, util }) => gpu(t, seconds, { gpu_busy_seconds: (seconds * util) / 100 }));
const usage = fc.array(fc.oneof(gatewayGroup, gpuGroup), { maxLength: 25 });
const cost = fc.integer({ min: -500_000, max: 50_000_000 }).map((cents) => (cents / 100).toFixed(2));
const idle = fc.constantFrom('unallocated', 'spread');
const mode = fc.constantFrom('graduated', 'volume');

const instantiate = (template: string, c: string, i: string, m: string) =>
  template.replace('COST', c).replace('IDLE', i).replace('MODE', m);

describe('every method: properties over random usage', () => {
  for (const [name, template] of Object.entries(POOLS)) {
    it(`${name}: the pool's lines add up to C exactly, and the run reconciles`, () => {
      fc.assert(
        fc.property(usage, cost, idle, mode, (groups: UsageGroup[], c, i, m) => {
          const pools = instantiate(template, c, i, m);
          const statement = compute(pools, groups, 'unpriced: ignore');
          const pool = card(pools).pools.find((p) => p.id === 'p');
          const expected = fromCents(poolCostCents(pool!) ?? 0n);
          assert.equal(sum(statement.lines.filter((l) => l.pool === 'p').map((l) => l.amount)).toFixed(2), expected.toFixed(2));
          assert.deepEqual(reconciliationFailures(statement), []);
          // explain's terms: what was priced or shared, rounding, idle, components add up to every line.
          for (const line of statement.lines) {
            assert.ok(line.parts && line.parts.length > 0, `${line.costCentre}/${line.pool} has its terms`);
            assert.equal(partsTotal(line.parts).toDecimalPlaces(30).toFixed(), line.amount.toFixed(), `${line.costCentre}/${line.pool}/${line.method}`);
          }
        }),
        { numRuns: 150 },
      );
    });

    it(`${name}: the statement does not depend on the order of the usage`, () => {
      fc.assert(
        fc.property(usage, cost, idle, mode, (groups: UsageGroup[], c, i, m) => {
          const pools = instantiate(template, c, i, m);
          const one = compute(pools, groups, 'unpriced: ignore');
          const two = compute(pools, [...groups].reverse(), 'unpriced: ignore');
          assert.deepEqual(rows(one), rows(two));
        }),
        { numRuns: 60 },
      );
    });
  }

  const priceLists = {
    tiered: POOLS.tiered!.replace('    cost: { fixed: "COST" }\n', '').replace('    idle: IDLE\n', ''),
    'flat-plus-overage': POOLS['flat-plus-overage']!.replace('cost: { fixed: "COST" }, ', '').replace(', idle: IDLE', ''),
    'time-based (rate)': POOLS['time-based (rate)']!.replace('cost: { fixed: "COST" }, ', '').replace(', idle: IDLE', ''),
  };
  for (const [name, template] of Object.entries(priceLists)) {
    it(`${name} without a cost is a price list: its total is the sum of its lines, never an idle line`, () => {
      fc.assert(
        fc.property(usage, mode, (groups: UsageGroup[], m) => {
          const statement = compute(template.replace('MODE', m), groups, 'unpriced: ignore');
          assert.ok(statement.lines.every((l) => l.method !== 'idle'));
          assert.equal(statement.reconciliation.priceListCharges.toFixed(2), sum(statement.lines.map((l) => l.amount)).toFixed(2));
          assert.equal(statement.reconciliation.poolCosts.toFixed(2), '0.00');
          for (const line of statement.lines) assert.ok(line.amount.decimalPlaces() <= 2);
        }),
        { numRuns: 150 },
      );
    });
  }
});
