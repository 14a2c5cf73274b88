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
    const cost = parseRateCardText(GOOD, 'card.yaml').pools[0]?.cost;
    assert.equal(cost?.kind === 'fixed' && cost.amount.toFixed(2), '38000.00');
    assert.equal(parseRateCardText(EXAMPLE_RATE_CARD, 'example.yaml').costCentres.length, 3);
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
      ['card.yaml:12: pools[0].method: expected one of proportional, proxy-price-per-token, time-based, tiered, flat-plus-overage, hybrid, direct, price-list, got "proportionel" (did you mean "proportional"?)'],
    ],
    [
      'a direct pool without a bill to attribute',
      GOOD.replace('    usage: { models: [llama-3-70b] }\n    method: proportional\n    driver: tokens', '    method: direct'),
      ['card.yaml:10: pools[0].cost: method direct charges each bill to its owner: the pool needs "cost: { billing: … }"'],
    ],
    [
      'unused commitments given to a centre the card does not have',
      GOOD.replace('cost: { fixed: "38000.00" }\n    usage: { models: [llama-3-70b] }\n    method: proportional\n    driver: tokens',
        'cost: { billing: { provider: AWS } }\n    method: direct\n    unused_commitments: CC-PLAT'),
      ['card.yaml:12: pools[0].unused_commitments: "CC-PLAT" is not a cost centre of this card'],
    ],
    [
      'an unknown driver',
      GOOD.replace('driver: tokens', 'driver: tokenz'),
      ['card.yaml:13: pools[0].driver: expected one of requests, input_tokens, output_tokens, cached_input_tokens, tokens, weighted_tokens, gpu_seconds, gpu_hours, gpu_busy_hours, gpu_mem_gib_hours, gpu_energy_kwh, charges, got "tokenz" (did you mean "tokens"?)'],
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
    [
      'exchange rates: a code that is not ISO 4217, the card\'s own currency, a float rate, a rolled-over date, no source',
      GOOD.replace('currency: USD', `currency: USD
exchange_rates:
  MC: { rate: "1", date: 2024-09-30, source: EA }
  USD: { rate: "1", date: 2024-09-30, source: self }
  EUR: { rate: 1.08, date: 2024-02-30 }
  GBP: { rate: "0", date: "2024-09-30", source: BoE }`),
      [
        'card.yaml:4: exchange_rates.MC: expected an ISO 4217 currency code such as "EUR", got "MC"',
        'card.yaml:5: exchange_rates.USD: is the card\'s own currency: it needs no rate',
        'card.yaml:6: exchange_rates.EUR.rate: expected a decimal string, got 1.08 (a YAML number: quote money)',
        'card.yaml:6: exchange_rates.EUR.date: expected a date YYYY-MM-DD, got "2024-02-30"',
        'card.yaml:6: exchange_rates.EUR.source: expected a non-empty string, got nothing',
        'card.yaml:7: exchange_rates.GBP.rate: expected a rate above 0, got "0"',
      ],
    ],
    [
      'budget alert thresholds out of order, and a notify target given two ways',
      `${GOOD}budgets:\n  - { cost_centre: CC-4100, monthly: "100.00", alert_at: [80, 100, 90] }\n  - { cost_centre: CC-4100, monthly: "100.00", alert_at: 90 }\nnotify:\n  file: alerts.jsonl\n  command: "mail finance"\n`,
      [
        'card.yaml:15: budgets[0].alert_at[2]: expected percents in ascending order, each once: 90 follows 100',
        'card.yaml:16: budgets[1].alert_at: expected a list of percents such as [80, 90, 100], got 90',
        'card.yaml:18: notify: expected one target: webhook, file or command, got file and command',
      ],
    ],
    [
      'two pools pricing GPU energy: one lists no hosts, and a host is listed twice (its energy would be charged twice)',
      `${GOOD}  - { id: a, cost: { energy: { pue: "1.2", price_per_kwh: "0.1", hosts: [x, y] } }, method: proportional, driver: gpu_energy_kwh }\n` +
        `  - { id: b, cost: { energy: { pue: "1.2", price_per_kwh: "0.1", hosts: [y] } }, method: proportional, driver: gpu_energy_kwh }\n` +
        `  - { id: c, cost: { fixed: "1.00", energy: { pue: "1.2", price_per_kwh: "0.1" } }, method: proportional, driver: gpu_hours }\n`,
      [
        'card.yaml:15: pools[2].cost.energy.hosts: host "y" is priced by pools[1] already: a GPU\'s energy is charged once',
        'card.yaml:16: pools[3].cost.energy: 3 pools price GPU energy: each must list its hosts',
      ],
    ],
    [
      'a webhook URL written into the card, and one read from a variable with a bad name',
      `${GOOD}notify:\n  webhook: https://hooks.slack.com/services/T0/B0/secret\n`,
      ['card.yaml:15: notify.webhook: expected { url_env: NAME } or { url_file: PATH }, got a URL: it may carry a secret'],
    ],
    [
      'a webhook with neither a variable nor a file, and a timeout too long for cron',
      `${GOOD}notify:\n  webhook: { url_env: "1 BAD" }\n  timeout_seconds: 3600\n`,
      [
        'card.yaml:15: notify.webhook.url_env: expected an environment variable\'s name, got "1 BAD"',
        'card.yaml:16: notify.timeout_seconds: expected at most 600 seconds',
      ],
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

// Issue 3's mistakes: one case each, naming the line of the offending value.
describe('rate card: method and pool error gallery', () => {
  const card = (pool: string) => `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-4100, name: Search, match: { team: [search] } }
pools:
${pool}`;
  /** A requests-driven pool with these `slo:` lines (the pool's head written once; card lines as before). */
  const sloPool = (slo: string) => `  - id: llm\n    cost: { fixed: "1.00" }\n    method: proportional\n    driver: requests\n    slo:\n${slo}`;
  const gallery: [string, string, string][] = [
    [
      'tiers that do not ascend',
      `  - id: api
    method: tiered
    driver: output_tokens
    tiers:
      - { up_to: 1000, price: "0.01" }
      - { up_to: 1000, price: "0.008" }
      - { price: "0.006" }`,
      'card.yaml:12: pools[0].tiers[1].up_to: tiers must ascend: 1000 is not above 1000',
    ],
    [
      'a bounded last tier',
      `  - id: api
    method: tiered
    driver: output_tokens
    tiers:
      - { up_to: 1000, price: "0.01" }
      - { up_to: 5000, price: "0.008" }`,
      'card.yaml:12: pools[0].tiers[1].up_to: the last tier must have no "up_to": it takes everything above the one before',
    ],
    [
      'an unbounded tier before the last',
      `  - id: api
    method: tiered
    driver: output_tokens
    tiers:
      - { price: "0.01" }
      - { price: "0.008" }`,
      'card.yaml:11: pools[0].tiers[0].up_to: only the last tier may leave out "up_to"',
    ],
    [
      'hybrid weights that do not sum to 1',
      `  - id: platform
    cost: { fixed: "15000.00" }
    method: hybrid
    components:
      - { weight: "0.25", split: even }
      - { weight: "0.70", split: driver, driver: charges }`,
      'card.yaml:11: pools[0].components: component weights must sum to exactly 1, they sum to 0.95',
    ],
    [
      'a subscriber that is not a cost centre',
      `  - id: premium
    method: flat-plus-overage
    driver: requests
    subscribers: [CC-4100, CC-9999]
    flat: "500.00"
    overage: "1.20"`,
      'card.yaml:10: pools[0].subscribers[1]: "CC-9999" is not a cost centre of this card',
    ],
    [
      'a shares key that is not a cost centre',
      `  - id: platform
    cost: { fixed: "100.00" }
    method: hybrid
    components:
      - { weight: "1", split: shares, shares: { CC-4100: 2, CC-4999: 1 } }`,
      'card.yaml:11: pools[0].components[0].shares.CC-4999: "CC-4999" is not a cost centre of this card',
    ],
    [
      'a driver that does not fit the method',
      `  - id: api
    method: tiered
    driver: charges
    tiers: [{ price: "0.01" }]`,
      'card.yaml:9: pools[0].driver: driver "charges" does not fit method tiered: expected one of requests, input_tokens, output_tokens, cached_input_tokens, tokens, weighted_tokens, gpu_seconds, gpu_hours, gpu_busy_hours, gpu_mem_gib_hours',
    ],
    [
      'a token driver on a time-based pool',
      `  - id: gpus
    method: time-based
    driver: tokens
    rate: "2.10"`,
      'card.yaml:9: pools[0].driver: driver "tokens" does not fit method time-based: expected one of gpu_seconds, gpu_hours, gpu_busy_hours, gpu_mem_gib_hours',
    ],
    [
      'a time-based pool with neither rate nor cost and capacity',
      `  - id: gpus
    method: time-based
    driver: gpu_hours`,
      'card.yaml:7: pools[0].rate: time-based needs a "rate", or a "cost" and a "capacity" to derive it from',
    ],
    [
      'a proxy pool without capacity',
      `  - id: llm
    cost: { fixed: "38000.00" }
    method: proxy-price-per-token
    driver: tokens`,
      'card.yaml:7: pools[0].capacity: proxy-price-per-token needs "capacity": the driver units the cost buys in a month',
    ],
    [
      'a key that belongs to another method',
      `  - id: llm
    cost: { fixed: "38000.00" }
    method: proportional
    driver: tokens
    capacity: "1000"`,
      'card.yaml:11: pools[0].capacity: unknown key "capacity"',
    ],
    [
      'an unknown idle mode',
      `  - id: llm
    cost: { fixed: "38000.00" }
    method: proxy-price-per-token
    driver: tokens
    capacity: "1000"
    idle: spreed`,
      'card.yaml:12: pools[0].idle: expected one of unallocated, spread, got "spreed" (did you mean "spread"?)',
    ],
    [
      'a fractional per written as a YAML number',
      `  - id: api
    method: tiered
    driver: output_tokens
    per: 0.5
    tiers: [{ price: "0.01" }]`,
      'card.yaml:10: pools[0].per: expected a whole number or a quoted decimal, got 0.5 (a YAML number: quote it)',
    ],
    [
      'a tier multiplier that is not a number',
      `  - id: llm
    cost: { fixed: "1.00" }
    method: proportional
    driver: tokens
    tier_multipliers: { priority: fast }`,
      'card.yaml:11: pools[0].tier_multipliers.priority: expected a number, got "fast"',
    ],
    // Issue 21: SLO promises and their credit bands.
    [
      'an SLO latency band not above the promise',
      sloPool(`      - tier: premium
        latency_p99_ms: 100
        latency_credits: [{ up_to_ms: 100, credit_pct: 10 }, { credit_pct: 25 }]`),
      'card.yaml:14: pools[0].slo[0].latency_credits[0].up_to_ms: up_to_ms 100 must be above the promise (100)',
    ],
    [
      'an SLO whose last band is bounded',
      sloPool(`      - tier: premium
        availability_pct: "99.9"
        availability_credits: [{ from_pct: "99", credit_pct: 10 }]`),
      'card.yaml:14: pools[0].slo[0].availability_credits[0]: the last band must have no from_pct, so that every breach earns a credit',
    ],
    [
      'an SLO band that credits less for a worse breach',
      sloPool(`      - tier: premium
        availability_pct: "99.9"
        availability_credits: [{ from_pct: "99", credit_pct: 25 }, { credit_pct: 10 }]`),
      'card.yaml:14: pools[0].slo[0].availability_credits[1].credit_pct: a worse band must not credit less than the band before',
    ],
    [
      'an SLO credit above 100%',
      sloPool(`      - tier: premium
        latency_p99_ms: 100
        latency_credits: [{ credit_pct: 150 }]`),
      'card.yaml:14: pools[0].slo[0].latency_credits[0].credit_pct: expected a percentage from 0 to 100, got 150',
    ],
    [
      'an SLO promise without its bands',
      sloPool(`      - { tier: premium, latency_p99_ms: 100 }`),
      'card.yaml:12: pools[0].slo[0].latency_credits: a latency promise needs its credit bands (latency_credits)',
    ],
    [
      'an SLO that promises nothing',
      sloPool(`      - { tier: premium }`),
      'card.yaml:12: pools[0].slo[0]: a tier promise needs latency_p99_ms, availability_pct or both',
    ],
    [
      'two SLO promises for one tier',
      sloPool(`      - { tier: premium, latency_p99_ms: 100, latency_credits: [{ credit_pct: 10 }] }
      - { tier: premium, latency_p99_ms: 200, latency_credits: [{ credit_pct: 10 }] }`),
      'card.yaml:13: pools[0].slo[1].tier: tier "premium" has a promise already',
    ],
  ];
  for (const [name, pool, expected] of gallery) {
    it(name, () => {
      const found = problems(card(pool));
      assert.ok(found.some((p) => p.startsWith(expected)), `expected: ${expected}\ngot:\n${found.join('\n')}`);
      assert.equal(found.length, 1, found.join('\n'));
    });
  }
});
