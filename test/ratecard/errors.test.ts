import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateCardError } from '../../src/domain/errors.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { EXAMPLE_RATE_CARD } from '../../src/ratecard/example.js';

const GOOD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - id: CC-4100
    name: Search
    match: { team: [search] }
pools:
  - id: llm-cluster
    cost: { fixed: "38000.00" }
    usage: { models: [llama-3-70b] }
    method: proportional
    driver: tokens
`;

function problems(text: string): string[] {
  try {
    parseRateCardText(text, 'card.yaml');
  } catch (error) {
    assert.ok(error instanceof RateCardError, `expected a RateCardError, got ${error}`);
    assert.equal(error.exitCode, 2);
    return [...error.problems];
  }
  assert.fail('the card was accepted');
}

describe('rate card: valid cards', () => {
  it('accepts the small card and the example that init --example writes', () => {
    assert.equal(parseRateCardText(GOOD, 'card.yaml').pools[0]?.cost?.amount.toFixed(2), '38000.00');
    assert.equal(parseRateCardText(EXAMPLE_RATE_CARD, 'example.yaml').costCentres.length, 2);
  });
});

// The error gallery: one case per mistake a person makes, each naming file, line and path.
describe('rate card: error gallery', () => {
  const gallery: [string, string, string[]][] = [
    [
      'money written as a YAML number',
      GOOD.replace('"38000.00"', '38000.5'),
      ['card.yaml:10: pools[0].cost.fixed: expected a decimal string, got 38000.5 (a YAML number: quote money)'],
    ],
    [
      'an unknown key, with the nearest valid one',
      GOOD.replace('    method: proportional', '    methd: proportional\n    method: proportional'),
      ['card.yaml:12: pools[0].methd: unknown key "methd" (did you mean "method"?)'],
    ],
    [
      'an unknown method',
      GOOD.replace('method: proportional', 'method: proportionel'),
      ['card.yaml:12: pools[0].method: expected one of proportional, proxy-price-per-token, time-based, tiered, flat-plus-overage, hybrid, got "proportionel" (did you mean "proportional"?)'],
    ],
    [
      'an unknown driver',
      GOOD.replace('driver: tokens', 'driver: tokenz'),
      ['card.yaml:13: pools[0].driver: expected one of requests, input_tokens, output_tokens, cached_input_tokens, tokens, weighted_tokens, gpu_seconds, gpu_hours, gpu_busy_hours, gpu_mem_gib_hours, charges, got "tokenz" (did you mean "tokens"?)'],
    ],
    [
      'a duplicate cost-centre id',
      GOOD.replace('pools:', '  - id: CC-4100\n    name: Again\npools:'),
      ['card.yaml:8: cost_centres[1].id: duplicate id "CC-4100" (first used at cost_centres[0])'],
    ],
    [
      'a currency that is not an ISO code',
      GOOD.replace('currency: USD', 'currency: dollars'),
      ['card.yaml:2: currency: expected a three-letter ISO 4217 code such as "USD", got "dollars"'],
    ],
    [
      'a missing unallocated centre',
      GOOD.replace('unallocated: CC-0000\n', ''),
      ['card.yaml:1: unallocated: expected a non-empty string, got nothing'],
    ],
    [
      'a proportional pool without a cost',
      GOOD.replace('    cost: { fixed: "38000.00" }\n', ''),
      ['card.yaml:11: pools[0].method: method proportional splits a cost: the pool needs a "cost"'],
    ],
    [
      'an unknown match key',
      GOOD.replace('match: { team: [search] }', 'match: { teem: [search] }'),
      ['card.yaml:7: cost_centres[0].match.teem: unknown key "teem" (did you mean "team"?)'],
    ],
    [
      'an unknown time zone',
      GOOD.replace('currency: USD', 'currency: USD\ntimezone: Mars/Olympus'),
      ['card.yaml:3: timezone: expected an IANA time zone such as "Europe/Berlin", got "Mars/Olympus"'],
    ],
    [
      'a malformed effective month',
      GOOD.replace('currency: USD', 'currency: USD\neffective_from: 2026-1'),
      ['card.yaml:3: effective_from: expected a month YYYY-MM, got "2026-1"'],
    ],
    [
      'a duplicate key in a mapping',
      GOOD.replace('    driver: tokens', '    driver: tokens\n    driver: requests'),
      ['card.yaml:14: YAML syntax: Map keys must be unique'],
    ],
    [
      'overhead written as a number',
      GOOD.replace('    method: proportional', '    overhead_pct: 12\n    method: proportional'),
      ['card.yaml:12: pools[0].overhead_pct: expected a decimal string, got 12 (a YAML number: quote money)'],
    ],
  ];
  for (const [name, text, expected] of gallery) {
    it(name, () => {
      const found = problems(text);
      assert.equal(found.length, expected.length, found.join('\n'));
      expected.forEach((e, i) => assert.ok(found[i]?.startsWith(e), `got:      ${found[i]}\nexpected: ${e}`));
    });
  }

  it('YAML that does not parse: every syntax error with its line, the first where it starts', () => {
    const found = problems(GOOD.replace('  - id: llm-cluster', '  - id: llm-cluster\n   bad: [unclosed'));
    assert.ok(found.length >= 1);
    assert.equal(found[0], 'card.yaml:10: YAML syntax: Sequence item without - indicator');
    assert.ok(found.every((p) => /^card\.yaml:\d+: YAML syntax: /.test(p)));
  });

  it('reports every problem in the file at once, not only the first', () => {
    const text = GOOD.replace('currency: USD', 'currency: usd').replace('"38000.00"', '38000').replace('driver: tokens', 'driver: x');
    const found = problems(text);
    assert.deepEqual(found.map((p) => p.split(':').slice(0, 3).join(':')), [
      'card.yaml:2: currency',
      'card.yaml:10: pools[0].cost.fixed',
      'card.yaml:13: pools[0].driver',
    ]);
  });
});
