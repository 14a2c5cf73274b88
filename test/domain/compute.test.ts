import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { computeMonth, reconciliationFailures, unmatchedCollector } from '../../src/domain/compute.js';
import { periodFor } from './helpers.js';
import { noQuantities } from '../../src/domain/drivers.js';
import { Decimal, sum } from '../../src/domain/money.js';
import type { Identity, Statement, UsageGroup } from '../../src/domain/types.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { fingerprintKey } from '../../src/secrets.js';

function group(identity: Identity, model: string, input: number, output: number, requests = 1, extra: Partial<UsageGroup> = {}): UsageGroup {
  return {
    source: 'gateway',
    identity,
    model,
    tags: {},
    quantities: {
      ...noQuantities(),
      requests: new Decimal(requests),
      input_tokens: new Decimal(input),
      output_tokens: new Decimal(output),
      cached_input_tokens: new Decimal(0),
    },
    ...extra,
  };
}

const CARD = `
version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-4100, name: Search, match: { team: [search] } }
  - { id: CC-4200, name: Support, match: { user: [bot@example.com], team: [support] } }
  - { id: CC-4300, name: Keys, match: { api_key: [sk-raw-key-1234] } }
pools:
  - id: llm
    cost: { fixed: "1000.00" }
    overhead_pct: "12"
    usage: { models: [llama] }
    method: proportional
    driver: tokens
`;

const rows = (s: ReturnType<typeof computeMonth>) =>
  s.lines.map((l) => [l.costCentre, l.pool, l.method, l.quantity?.toFixed() ?? '', l.amount.toFixed(2)]);

describe('computeMonth: proportional', () => {
  it('splits C = fixed × (1 + overhead) by tokens, unmatched usage to the unallocated centre', () => {
    // C = 1000.00 × 1.12 = 1120.00 = 112000 cents; tokens: search 1200, support 600, nobody 300; Q = 2100.
    // search  112000 × 1200 / 2100 = 64000 exactly      → 640.00
    // support 112000 ×  600 / 2100 = 32000 exactly      → 320.00
    // CC-0000 112000 ×  300 / 2100 = 16000 exactly      → 160.00      Σ = 1120.00
    const card = parseRateCardText(CARD, 'card.yaml');
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [
        group({ team: 'search', user: 'alice' }, 'llama', 1000, 200),
        group({ user: 'bot@example.com' }, 'llama', 500, 100),
        group({ team: 'growth', user: 'carol' }, 'llama', 300, 0),
      ],
    });
    assert.deepEqual(rows(statement), [
      ['CC-0000', 'llm', 'proportional', '300', '160.00'],
      ['CC-4100', 'llm', 'proportional', '1200', '640.00'],
      ['CC-4200', 'llm', 'proportional', '600', '320.00'],
    ]);
    assert.deepEqual(statement.unmatched, ['team=growth user=carol → CC-0000']);
    assert.equal(statement.reconciliation.poolCosts.toFixed(2), '1120.00');
    assert.deepEqual(reconciliationFailures(statement), []);
  });

  it('breaks a remainder tie by the smaller cost-centre id', () => {
    // C = 0.01 × 1 = 1 cent over two centres with 5 tokens each: both shares 0.5 cent, tie → CC-4100.
    const card = parseRateCardText(CARD.replace('"1000.00"', '"0.01"').replace('"12"', '"0"'), 'card.yaml');
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [group({ team: 'support' }, 'llama', 5, 0), group({ team: 'search' }, 'llama', 5, 0)],
    });
    assert.deepEqual(rows(statement), [
      ['CC-4100', 'llm', 'proportional', '5', '0.01'],
      ['CC-4200', 'llm', 'proportional', '5', '0.00'],
    ]);
  });

  it('puts all of C on one idle line of the unallocated centre when nobody used the pool', () => {
    const card = parseRateCardText(CARD, 'card.yaml');
    const statement = computeMonth({ card, period: periodFor(card), usage: [] });
    assert.deepEqual(rows(statement), [['CC-0000', 'llm', 'idle', '', '1120.00']]);
    assert.match(statement.warnings[0] ?? '', /no usage in the month/);
  });

  it('matches an api_key written raw in the card against the fingerprint the ledger keeps', () => {
    const card = parseRateCardText(CARD, 'card.yaml');
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [group({ api_key: fingerprintKey('sk-raw-key-1234') }, 'llama', 10, 0)],
    });
    assert.deepEqual(rows(statement), [['CC-4300', 'llm', 'proportional', '10', '1120.00']]);
  });

  it('lets the first matching cost centre win', () => {
    // team=search matches CC-4100, user=bot@example.com matches CC-4200: CC-4100 is listed first.
    const card = parseRateCardText(CARD, 'card.yaml');
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [group({ team: 'search', user: 'bot@example.com' }, 'llama', 10, 0)],
    });
    assert.equal(statement.lines[0]?.costCentre, 'CC-4100');
  });

  it('lists usage no pool takes as unpriced, never priced at zero', () => {
    const card = parseRateCardText(CARD, 'card.yaml');
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [
        group({ team: 'search' }, 'llama', 10, 0),
        group({ team: 'search' }, 'gpt-4o', 7, 3, 2),
        group({ team: 'search' }, 'gpt-4o', 1, 1, 1, { tier: 'batch' }),
      ],
    });
    assert.equal(statement.unpriced.length, 1);
    const [unpriced] = statement.unpriced;
    assert.equal(unpriced?.model, 'gpt-4o');
    assert.equal(unpriced?.identity, 'team=search');
    assert.equal(unpriced?.quantities.requests.toFixed(), '3');
    assert.equal(unpriced?.quantities.input_tokens.toFixed(), '8');
    assert.ok(statement.lines.every((l) => l.pool === 'llm'));
  });

  it('applies usage filters: AND across keys, OR within a list, missing field fails', () => {
    const card = parseRateCardText(
      CARD.replace('usage: { models: [llama] }', 'usage: { models: [llama, mistral], tiers: [batch], tags: { env: [prod, stage] } }'),
      'card.yaml',
    );
    const statement = computeMonth({
      card,
      period: periodFor(card),
      usage: [
        group({ team: 'search' }, 'mistral', 10, 0, 1, { tier: 'batch', tags: { env: 'prod' } }), // taken
        group({ team: 'support' }, 'llama', 30, 0, 1, { tier: 'batch', tags: { env: 'stage' } }), // taken
        group({ team: 'support' }, 'llama', 99, 0, 1, { tier: 'batch' }), // no env tag: not taken
        group({ team: 'support' }, 'llama', 99, 0, 1, { tags: { env: 'prod' } }), // no tier: not taken
      ],
    });
    // Q = 40: search 112000 × 10/40 = 28000 → 280.00; support 84000 → 840.00
    assert.deepEqual(rows(statement), [
      ['CC-4100', 'llm', 'proportional', '10', '280.00'],
      ['CC-4200', 'llm', 'proportional', '30', '840.00'],
    ]);
    assert.equal(statement.unpriced.length, 1);
  });
});

describe('computeMonth: properties', () => {
  const usage = fc.array(
    fc.record({
      team: fc.constantFrom('search', 'support', 'growth', 'a', 'b'),
      model: fc.constantFrom('llama', 'gpt-4o'),
      input: fc.nat({ max: 1_000_000 }),
      output: fc.nat({ max: 1_000_000 }),
    }),
    { maxLength: 30 },
  );
  const cost = fc.bigInt({ min: -(10n ** 9n), max: 10n ** 11n }).map((c) => (Number(c) / 100).toFixed(2));

  it('a pool with a cost always adds up to C exactly, whatever the usage', () => {
    fc.assert(
      fc.property(usage, cost, (events, fixed) => {
        const card = parseRateCardText(CARD.replace('"1000.00"', `"${fixed}"`), 'card.yaml');
        const statement = computeMonth({
          card,
          period: periodFor(card),
          usage: events.map((e) => group({ team: e.team }, e.model, e.input, e.output)),
        });
        const expected = new Decimal(fixed).times('1.12').toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
        assert.equal(sum(statement.lines.map((l) => l.amount)).toFixed(2), expected.toFixed(2));
        assert.deepEqual(reconciliationFailures(statement), []);
      }),
      { numRuns: 200 },
    );
  });

  // As text, keys in their order: a statement printed as JSON is byte-identical whatever order the usage came in.
  const asText = (statement: Statement) => JSON.stringify(statement, (_key, value) => (value instanceof Decimal ? value.toFixed() : value));

  it('shows a line\'s usage in one key order whichever count came first (CI seed 1935178307)', () => {
    const card = parseRateCardText(CARD, 'card.yaml');
    const inputOnly = group({ team: 'search' }, 'llama', 1, 0);
    const outputOnly = group({ team: 'search' }, 'llama', 0, 1);
    const one = computeMonth({ card, period: periodFor(card), usage: [inputOnly, outputOnly] });
    const two = computeMonth({ card, period: periodFor(card), usage: [outputOnly, inputOnly] });
    assert.equal(asText(one), asText(two));
    assert.deepEqual(Object.keys(one.lines.find((l) => l.usage)!.usage!), ['requests', 'input_tokens', 'output_tokens']);
  });

  it('gives the same statement, byte for byte, for any order of the usage', () => {
    fc.assert(
      fc.property(usage, (events) => {
        const card = parseRateCardText(CARD, 'card.yaml');
        const groups = events.map((e) => group({ team: e.team }, e.model, e.input, e.output));
        const one = computeMonth({ card, period: periodFor(card), usage: groups });
        const two = computeMonth({ card, period: periodFor(card), usage: [...groups].reverse() });
        assert.equal(asText(one), asText(two));
      }),
      { numRuns: 200 },
    );
  });
});

describe('computeMonth: the unmatched-usage warning', () => {
  const card = parseRateCardText(CARD, 'card.yaml');
  const unmatched = (n: number) => Array.from({ length: n }, (_, i) => group({ team: 'growth', user: `u${String(i).padStart(2, '0')}` }, 'llama', 1, 0));

  it('names every unmatched identity, sorted, up to 10', () => {
    const statement = computeMonth({ card, period: periodFor(card), usage: unmatched(10).reverse() });
    assert.equal(statement.unmatched.length, 10);
    assert.equal(statement.unmatched[0], 'team=growth user=u00 → CC-0000');
    assert.equal(statement.unmatched[9], 'team=growth user=u09 → CC-0000');
  });

  it('names them all when told to list them all (--verbose)', () => {
    const statement = computeMonth({ card, period: periodFor(card), usage: unmatched(37), listed: Infinity });
    assert.equal(statement.unmatched.length, 37);
  });

  it('past 10, names the first 10 in order and counts the rest, also when the ledger summed them first', () => {
    const expected = [
      ...Array.from({ length: 10 }, (_, i) => `team=growth user=u${String(i).padStart(2, '0')} → CC-0000`),
      '27 more identities → CC-0000 (compute --verbose lists them all; chargeback explain --cost-centre CC-0000 the largest)',
    ];
    assert.deepEqual(computeMonth({ card, period: periodFor(card), usage: unmatched(37) }).unmatched, expected);
    // As the ledger hands them over: one summed group with an owner, the identities apart.
    const collector = unmatchedCollector();
    for (const g of unmatched(37).reverse()) collector.add(`team=growth user=${g.identity.user}`);
    const summed = { ...group({}, 'llama', 37, 0), centre: { id: 'CC-0000', matched: false } };
    assert.deepEqual(computeMonth({ card, period: periodFor(card), usage: [summed], unmatched: collector.result() }).unmatched, expected);
  });
});
