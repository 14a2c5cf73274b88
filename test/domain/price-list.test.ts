import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeMonth } from '../../src/domain/compute.js';
import { RateCardError, UsageError } from '../../src/domain/errors.js';
import { normaliseModel, rowsForModel } from '../../src/domain/methods/price-list.js';
import { litellmPriceRows } from '../../src/domain/methods/litellm-prices.js';
import { Decimal, sum } from '../../src/domain/money.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { events, periodFor } from './helpers.js';
import { PRICE_LIST_POOL } from '../price-rows.js';

/** Provider prices per model and token class (issue 29), worked by hand. */
const CARD = (pool: string, extra = '') => parseRateCardText(`version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: A, name: Alpha, match: { team: [a] } }
  - { id: B, name: Beta, match: { team: [b] } }
pools:
  - id: api
${pool}
${extra}`, 'card.yaml');

const API = PRICE_LIST_POOL;

const amounts = (card: ReturnType<typeof CARD>, usage: ReturnType<typeof events>[]) => {
  const s = computeMonth({ card, period: periodFor(card), usage });
  return { lines: Object.fromEntries(s.lines.map((l) => [`${l.costCentre}/${l.method}`, l.amount.toFixed(2)])), statement: s };
};

describe('price-list (issue 29)', () => {
  const oct15 = Date.parse('2026-10-15T00:00:00Z');
  it('prices each class at its row: uncached input, cache reads and writes, reasoning within output, per call and per request', () => {
    const card = CARD(API);
    const { lines, statement } = amounts(card, [
      // 1M input of which 400k cache reads, 100k 5-minute and 50k 1-hour writes; 200k output; 3 web searches.
      events('a', 'claude-sonnet-4-20250514', { requests: 2, input_tokens: 1_000_000, cached_input_tokens: 400_000, cache_write_tokens: 100_000, cache_write_1h_tokens: 50_000, output_tokens: 200_000, web_search_calls: 3 }),
      // o3: 100k input, 50k output of which 30k reasoning, 10 requests.
      events('b', 'o3', { requests: 10, input_tokens: 100_000, output_tokens: 50_000, reasoning_tokens: 30_000 }),
    ]);
    // A: 450k × 3 + 400k × 0.30 + 100k × 3.75 + 50k × 6 + 200k × 15, per 1M = 1.35 + 0.12 + 0.375 + 0.30 + 3.00 = 5.145, + 3 × 0.01 = 5.175 → 5.18.
    // B: 100k × 2 + 20k × 8 + 30k × 8, per 1M = 0.2 + 0.16 + 0.24 = 0.60, + 10 × 0.001 = 0.61.
    assert.deepEqual(lines, { 'A/price-list': '5.18', 'B/price-list': '0.61' });
    const parts = statement.lines[0]!.parts!.map((p) => p.what);
    assert.ok(parts.includes('claude-sonnet-4-20250514 cache_write_1h: 50000 × 6 per 1M'), parts.join('\n'));
    assert.ok(parts.includes('claude-sonnet-4-20250514 web_search call: 3 × 0.01 per call'));
    assert.equal(sum(statement.lines[0]!.parts!.map((p) => p.amount)).toFixed(), '5.18');
  });

  it('a price change on the 15th prices each stretch at its row; batch at half price; a model without a row is unpriced, never $0', () => {
    const card = CARD(API);
    const { lines, statement } = amounts(card, [
      events('a', 'gpt-4o', { requests: 1, input_tokens: 1_000_000, output_tokens: 100_000 }, { fromMs: Date.parse('2026-10-01T00:00:00Z') }),
      events('a', 'gpt-4o', { requests: 1, input_tokens: 1_000_000, output_tokens: 100_000 }, { fromMs: oct15 }),
      events('b', 'gpt-4o', { requests: 1, input_tokens: 2_000_000 }, { tier: 'batch', fromMs: oct15 }),
      events('b', 'mistral-large', { requests: 4, input_tokens: 5 }),
    ]);
    // A: 2.50 + 1.00 before, 2.00 + 0.80 after = 6.30. B: 2M × 2.00 × 0.5 = 2.00.
    assert.deepEqual(lines, { 'A/price-list': '6.30', 'B/price-list': '2.00' });
    assert.deepEqual(statement.unpriced.map((u) => [u.model, u.costCentre, u.quantities.requests.toFixed()]), [['mistral-large', 'B', '4']]);
  });

  it('reconciles to the invoice: with a cost, the difference from C is a variance line', () => {
    const card = CARD(`    cost: { fixed: "10.00" }\n${API}`);
    const { lines } = amounts(card, [events('a', 'o3', { requests: 0, input_tokens: 1_000_000 })]);
    assert.deepEqual(lines, { 'A/price-list': '2.00', 'CC-0000/idle': '8.00' });
  });

  it('names provider-qualified models as the rows do', () => {
    for (const [raw, name] of [['openai/gpt-4o', 'gpt-4o'], ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4-20250514'], ['anthropic.claude-3-5-sonnet-20240620-v1:0', 'claude-3-5-sonnet-20240620'], ['gpt-4o', 'gpt-4o']]) {
      assert.equal(normaliseModel(raw!), name);
    }
    const card = CARD(API);
    assert.deepEqual(amounts(card, [events('a', 'openai/gpt-4o', { input_tokens: 1_000_000 })]).lines, { 'A/price-list': '2.50' });
  });

  it('stops when two globs price one model, naming both rows and their lines', () => {
    const card = CARD(`    method: price-list
    prices:
      - { model: "claude-*", per_million: { input: "1" } }
      - { model: "claude-sonnet*", per_million: { input: "2" } }`);
    assert.throws(() => amounts(card, [events('a', 'claude-sonnet-4', { input_tokens: 1 })]), (e: Error) => e instanceof UsageError &&
      e.message === 'pool api: model "claude-sonnet-4" matches two price rows, line 11 (pools[0].prices[0]) "claude-*" and line 12 (pools[0].prices[1]) "claude-sonnet*": name it exactly, or make one pattern narrower');
    // An exact row beats both globs.
    const exact = CARD(`    method: price-list
    prices:
      - { model: "claude-*", per_million: { input: "1" } }
      - { model: "claude-sonnet*", per_million: { input: "2" } }
      - { model: claude-sonnet-4, per_million: { input: "3" } }`);
    assert.deepEqual(amounts(exact, [events('a', 'claude-sonnet-4', { input_tokens: 1_000_000 })]).lines, { 'A/price-list': '3.00' });
  });

  const mistakes: [string, string, RegExp][] = [
    ['an unknown class', '      - { model: m, per_million: { inptu: "1" } }', /card\.yaml:11: pools\[0\]\.prices\[0\]\.per_million\.inptu: unknown key "inptu" \(did you mean "input"\?\)/],
    ['a negative price', '      - { model: m, per_million: { input: "-1" } }', /card\.yaml:11: pools\[0\]\.prices\[0\]\.per_million\.input: expected a price of 0 or more, got -1/],
    ['one model and day twice', '      - { model: m, from: 2026-10-15, per_million: { input: "1" } }\n      - { model: m, from: 2026-10-15, per_million: { input: "2" } }',
      /card\.yaml:12: pools\[0\]\.prices\[1\]\.from: "m" is priced from 2026-10-15 twice \(first at pools\[0\]\.prices\[0\]\): one row per model and day/],
    ['a day that is not one', '      - { model: m, from: 15.10.2026, per_million: { input: "1" } }', /card\.yaml:11: pools\[0\]\.prices\[0\]\.from: expected a day as YYYY-MM-DD, got "15\.10\.2026"/],
    ['a row without prices', '      - { model: m }', /card\.yaml:11: pools\[0\]\.prices\[0\]: a price row needs "per_million", "per_request" or "per_call"/],
  ];
  for (const [name, rows, expected] of mistakes) {
    it(`card mistake: ${name}, one line naming the card's line`, () => {
      assert.throws(() => CARD(`    method: price-list\n    prices:\n${rows}`), (e: Error) => e instanceof RateCardError && e.problems.some((p) => expected.test(p)) || assert.fail(String((e as RateCardError).problems)));
    });
  }

  it('each line is its exact terms rounded once, however the usage is split into groups', () => {
    const card = CARD(API);
    const group = fc.record({ team: fc.constantFrom('a', 'b'), model: fc.constantFrom('gpt-4o', 'o3', 'claude-sonnet-4'), input: fc.nat({ max: 3_000_000 }),
      cached: fc.nat({ max: 1_000_000 }), output: fc.nat({ max: 500_000 }), tier: fc.constantFrom(undefined, 'batch') });
    fc.assert(fc.property(fc.array(group, { maxLength: 12 }), (groups) => {
      const usage = groups.map((g) => events(g.team, g.model, { requests: 1, input_tokens: g.input + g.cached, cached_input_tokens: g.cached, output_tokens: g.output }, g.tier ? { tier: g.tier } : {}));
      const { statement } = amounts(card, usage);
      for (const line of statement.lines) {
        const exact = sum(line.parts!.filter((p) => !p.what.startsWith('rounding')).map((p) => p.amount));
        assert.equal(line.amount.toFixed(2), exact.toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2));
        assert.equal(sum(line.parts!.map((p) => p.amount)).toFixed(), line.amount.toFixed());
      }
      // Splitting a group in two changes nothing.
      const split = usage.flatMap((g) => [{ ...g, quantities: Object.fromEntries(Object.entries(g.quantities).map(([k, v]) => [k, v.dividedBy(2)])) as typeof g.quantities },
        { ...g, quantities: Object.fromEntries(Object.entries(g.quantities).map(([k, v]) => [k, v.dividedBy(2)])) as typeof g.quantities }]);
      assert.deepEqual(amounts(card, split).lines, amounts(card, usage).lines);
    }), { numRuns: 150 });
  });
});

describe('LiteLLM price map rows (issue 29)', () => {
  const map = JSON.stringify({
    sample_spec: { input_cost_per_token: 0.0, litellm_provider: 'one of https://docs.litellm.ai/docs/providers' },
    'gpt-4o': { input_cost_per_token: 2.5e-6, cache_read_input_token_cost: 1.25e-6, output_cost_per_token: 1e-5, input_cost_per_token_batches: 1.25e-6, litellm_provider: 'openai' },
    'claude-sonnet-4-5': { input_cost_per_token: 3e-6, cache_creation_input_token_cost: 3.75e-6, cache_creation_input_token_cost_above_1hr: 6e-6,
      output_cost_per_token: 1.5e-5, search_context_cost_per_query: { search_context_size_low: 0.01, search_context_size_medium: 0.01 }, litellm_provider: 'anthropic' },
    'o3-mini': { input_cost_per_token: 1.1e-6, output_cost_per_token: 4.4e-6, output_cost_per_reasoning_token: 4.4e-6 },
    'dall-e-3': { output_cost_per_image: 0.04, litellm_provider: 'openai' },
  }, null, 4);
  const rows = litellmPriceRows(map, 'prices.json');
  const table: [string, string, string][] = [
    ['gpt-4o', 'input', '2.5'], ['gpt-4o', 'cache_read', '1.25'], ['gpt-4o', 'output', '10'],
    ['claude-sonnet-4-5', 'cache_write', '3.75'], ['claude-sonnet-4-5', 'cache_write_1h', '6'], ['claude-sonnet-4-5', 'output', '15'],
    ['o3-mini', 'reasoning', '4.4'], ['o3-mini', 'input', '1.1'],
  ];
  for (const [model, cls, perMillion] of table) {
    it(`${model} ${cls} is exactly ${perMillion} per 1M`, () => {
      const row = rows.find((r) => r.model === model)!;
      assert.equal((row.perMillion as Record<string, Decimal>)[cls]!.toFixed(), perMillion);
    });
  }
  it('skips the example entry and models without a token price; keeps the provider, the medium search price and each line', () => {
    assert.deepEqual(rows.map((r) => r.model), ['gpt-4o', 'claude-sonnet-4-5', 'o3-mini']);
    assert.equal(rows[0]!.provider, 'openai');
    assert.equal(rows[1]!.perCall.web_search!.toFixed(), '0.01');
    assert.equal(rows[1]!.source, 'prices.json:13 ("claude-sonnet-4-5")');
  });
  it('the card row beats the map, exact or by glob; the map prices a provider-qualified name by its own', () => {
    const fileRows = rows;
    const card = [{ model: 'gpt-4*', glob: /^gpt-4.*$/, from: null, perMillion: {}, perRequest: null, perCall: {}, path: [] }];
    assert.equal(rowsForModel({ rows: card, fileRows }, 'gpt-4o', 'api')[0], card[0]);
    assert.equal(rowsForModel({ rows: card, fileRows }, 'openai/o3-mini', 'api')[0]!.model, 'o3-mini');
    assert.deepEqual(rowsForModel({ rows: card, fileRows }, 'llama-3', 'api'), []);
  });
  it('refuses a price that is not a number ≥ 0, naming the line and model', () => {
    assert.throws(() => litellmPriceRows('{\n  "m": {\n    "input_cost_per_token": "0.1"\n  }\n}', 'p.json'),
      (e: RateCardError) => e.message === 'p.json:2: "m".input_cost_per_token: expected a price per token ≥ 0, got "0.1"');
  });
});
