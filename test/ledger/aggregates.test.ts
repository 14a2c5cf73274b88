import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DEFAULT_ANOMALY_RULE, describeAnomaly, findAnomalies } from '../../src/domain/anomalies.js';
import { computeMonth } from '../../src/domain/compute.js';
import { noQuantities } from '../../src/domain/drivers.js';
import { Decimal } from '../../src/domain/money.js';
import { monthRange, parseMonth, periodOf } from '../../src/domain/month.js';
import type { Statement, UsageEvent, UsageGroup } from '../../src/domain/types.js';
import { priceMonth, readMonthUsage } from '../../src/cli/month-inputs.js';
import { naturalKey } from '../../src/keys.js';
import { beginBatch } from '../../src/ledger/batches.js';
import { openLedger } from '../../src/ledger/open.js';
import { parseRateCardText } from '../../src/ratecard/load.js';

const KEYS = ['sha256:00000000000a', 'sha256:00000000000b', 'sha256:00000000000c'];
const USERS = ['ann', 'bo', 'cy', 'di', 'ed'];
const TEAMS = ['search', 'ads', 'growth', 'mail'];
const PROJECTS = ['p1', 'p2'];
const MODELS = ['m1', 'm2', 'm3'];
const TIERS = [undefined, 'priority', 'batch'];
const ENVIRONMENTS = [undefined, 'prod', 'staging'];
const FEATURES = [undefined, 'chat', 'agent', 'rag'];
const EXPERIMENTS = [undefined, 'x', 'y'];
const SEP_20 = Date.UTC(2026, 8, 20);

/** Events from 20 September to 3 November 2026: the week before October and both its edges in any zone. */
const event = fc.record({
  id: fc.integer({ min: 0, max: 400 }),
  offsetMs: fc.integer({ min: 0, max: 44 * 86_400_000 }),
  key: fc.option(fc.constantFrom(...KEYS)),
  user: fc.option(fc.constantFrom(...USERS)),
  team: fc.constantFrom(...TEAMS),
  project: fc.option(fc.constantFrom(...PROJECTS)),
  model: fc.constantFrom(...MODELS),
  tier: fc.constantFrom(...TIERS),
  environment: fc.constantFrom(...ENVIRONMENTS),
  feature: fc.constantFrom(...FEATURES),
  experiment: fc.constantFrom(...EXPERIMENTS),
  input: fc.nat({ max: 5_000 }),
  output: fc.nat({ max: 5_000 }),
  cachedShare: fc.nat({ max: 100 }),
  ok: fc.boolean(),
}).map((e): UsageEvent => ({
  tsMs: SEP_20 + e.offsetMs, requestId: `r${e.id}`, model: e.model, inputTokens: e.input, outputTokens: e.output,
  cachedInputTokens: Math.floor((e.input * e.cachedShare) / 100), status: e.ok ? 'ok' : 'error', team: e.team,
  ...(e.key ? { apiKeyFp: e.key, apiKeyLast4: 'abcd' } : {}), ...(e.user ? { user: e.user } : {}), ...(e.project ? { project: e.project } : {}),
  ...(e.tier ? { tier: e.tier } : {}), ...(e.environment ? { environment: e.environment } : {}),
  tags: { ...(e.feature ? { feature: e.feature } : {}), ...(e.experiment ? { experiment: e.experiment } : {}) },
}));

const list = (values: readonly string[]) => `[${values.join(', ')}]`;
const filter = fc.record({
  models: fc.option(fc.subarray(MODELS, { minLength: 1 })),
  tiers: fc.option(fc.subarray(['priority', 'batch'], { minLength: 1 })),
  environments: fc.option(fc.subarray(['prod', 'staging'], { minLength: 1 })),
  features: fc.option(fc.subarray(['chat', 'agent', 'rag'], { minLength: 1 })),
}).map((f) => {
  const keys = [
    f.models && `models: ${list(f.models)}`, f.tiers && `tiers: ${list(f.tiers)}`,
    f.environments && `environments: ${list(f.environments)}`, f.features && `tags: { feature: ${list(f.features)} }`,
  ].filter(Boolean);
  return keys.length === 0 ? '' : `usage: { ${keys.join(', ')} }, `;
});
const POOLS = [
  (f: string, i: number) => `  - { id: prop${i}, cost: { fixed: "1234.56" }, ${f}method: proportional, driver: tokens }`,
  (f: string, i: number) => `  - { id: proxy${i}, cost: { fixed: "999.99" }, ${f}method: proxy-price-per-token, driver: weighted_tokens,
      weights: { input: "1", output: "3", cached: "0.25" }, tier_multipliers: { priority: "1.5", batch: "0.5" }, capacity: "300000", idle: spread }`,
  (f: string, i: number) => `  - { id: tier${i}, ${f}method: tiered, driver: output_tokens, per: 1000,
      tiers: [{ up_to: 5000, price: "0.37" }, { price: "0.11" }] }`,
  (f: string, i: number) => `  - { id: flat${i}, ${f}method: flat-plus-overage, driver: requests, subscribers: [CC-1], flat: "10.00", included: 3, per: 1, overage: "0.07" }`,
  (f: string, i: number) => `  - { id: cached${i}, cost: { fixed: "77.77" }, ${f}method: proportional, driver: cached_input_tokens }`,
  (_f: string, i: number) => `  - id: hyb${i}
    cost: { fixed: "500.00" }
    method: hybrid
    components: [{ weight: "0.5", split: even }, { weight: "0.5", split: driver, driver: charges }]`,
];
const RULE_VALUES: Record<string, readonly string[]> = { team: TEAMS, user: USERS, api_key: KEYS, project: PROJECTS, 'tag.feature': ['chat', 'agent', 'rag'] };
const rule = fc.constantFrom(...Object.keys(RULE_VALUES)).chain((key) =>
  fc.subarray([...RULE_VALUES[key]!], { minLength: 1, maxLength: 2 }).map((values) => ({ key, text: `${key}: ${list(values)}` })));
const card = fc.record({
  zone: fc.constantFrom('UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns'),
  centres: fc.array(fc.uniqueArray(rule, { minLength: 1, maxLength: 2, selector: (r) => r.key }), { minLength: 1, maxLength: 4 }),
  pools: fc.array(fc.tuple(fc.nat({ max: POOLS.length - 1 }), filter), { minLength: 1, maxLength: 5 }),
}).map(({ zone, centres, pools }) => `version: 1
currency: USD
timezone: ${zone}
unallocated: CC-0000
cost_centres:
${centres.map((rules, i) => `  - { id: CC-${i + 1}, name: C${i + 1}, match: { ${rules.map((r) => r.text).join(', ')} } }`).join('\n')}
pools:
${pools.map(([method, f], i) => POOLS[method]!(f, i)).join('\n')}
`);

/** The unique events of the ledger (the first copy of a request id is the one stored). */
function unique(batches: UsageEvent[][]): UsageEvent[] {
  const first = new Map<string, UsageEvent>();
  for (const batch of batches) for (const e of batch) if (!first.has(e.requestId!)) first.set(e.requestId!, e);
  return [...first.values()];
}

/** One event as a usage group of its own: the raw path, with every field it has. */
function asGroup(e: UsageEvent): UsageGroup {
  return {
    source: 'gateway',
    identity: { ...(e.apiKeyFp ? { api_key: e.apiKeyFp } : {}), ...(e.user ? { user: e.user } : {}), ...(e.team ? { team: e.team } : {}), ...(e.project ? { project: e.project } : {}) },
    model: e.model, ...(e.tier ? { tier: e.tier } : {}), ...(e.environment ? { environment: e.environment } : {}), tags: e.tags,
    quantities: { ...noQuantities(), requests: new Decimal(1), input_tokens: new Decimal(e.inputTokens), output_tokens: new Decimal(e.outputTokens),
      cached_input_tokens: new Decimal(e.cachedInputTokens) },
  };
}

/** A statement as text, every Decimal printed exactly: byte-identical means equal to the cent and the token. */
const asText = (statement: Statement) => JSON.stringify(statement, (_key, value) => (value instanceof Decimal ? value.toFixed() : value));

describe('compute from aggregates equals compute from the raw events', () => {
  it('byte-identical statements and anomalies on random ledgers, cards and zones', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 80 }), { minLength: 1, maxLength: 3 }), card, (batches, cardText) => {
        const parsed = parseRateCardText(cardText, 'card.yaml');
        const month = parseMonth('2026-10')!;
        const range = monthRange(month, parsed.timezone);
        const db = openLedger(join(mkdtempSync(join(tmpdir(), 'cb-agg-')), 'l.db'), { create: true });
        batches.forEach((batch, i) => {
          const writer = beginBatch(db, { source: 'gateway', format: 'csv', fileName: `f${i}`, startedAt: 'now' });
          writer.insert(batch.map((e) => ({ key: naturalKey(e), event: e })));
          writer.commit(`sha${i}`, { read: batch.length, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, 'now', false);
        });
        const usage = readMonthUsage(db, parsed, range);
        const fromAggregates = priceMonth(db, parsed, periodOf(month, parsed.timezone), usage, 300_000);
        // The token path of the anomalies: the aggregates' owner days against the events'.
        const anomalies = findAnomalies(parsed, usage.classified.ownerDays(), month.label).map((a) => describeAnomaly(a));
        db.close();

        const stored = unique(batches).filter((e) => e.status === 'ok');
        const inMonth = stored.filter((e) => e.tsMs >= range.startMs && e.tsMs < range.endMs);
        const fromEvents = computeMonth({ card: parsed, period: periodOf(month, parsed.timezone), usage: inMonth.map(asGroup) });
        assert.equal(asText(fromAggregates), asText(fromEvents), cardText);
        const spanStart = (Math.floor(range.startMs / 86_400_000) - DEFAULT_ANOMALY_RULE.lookBackDays) * 86_400_000;
        const days = stored.filter((e) => e.tsMs >= spanStart && e.tsMs < range.endMs)
          .map((e) => ({ day: new Date(e.tsMs).toISOString().slice(0, 10), group: asGroup(e) }));
        assert.deepEqual(anomalies, findAnomalies(parsed, days, month.label).map((a) => describeAnomaly(a)));
      }),
      { numRuns: 60 },
    );
  });
});
