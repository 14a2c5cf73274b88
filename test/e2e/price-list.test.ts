import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { fixture, inProcess, workspace } from './cli.js';
import { PRICE_LIST_POOL } from '../price-rows.js';

/*
 * A month of API usage priced the way providers bill it (issue 29), through the ledger: a
 * native log with cache writes, reasoning and a batch tier either side of a price change on
 * the 15th, Anthropic's usage report and OpenAI's usage API pages, one price-list pool. Each
 * expected figure is worked out here by hand from the files, term by term.
 */
const HEADER = 'timestamp,request_id,user,team,model,tier,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,cache_write_1h_tokens,reasoning_tokens,web_search_calls';
const CARD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-SEARCH, name: Search, match: { team: [search], project: [wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ] } }
  - { id: CC-BOTS, name: Bots, match: { team: [bots] } }
pools:
  - id: api
${PRICE_LIST_POOL}
`;

describe('price-list through the ledger (issue 29)', () => {
  it('prices a month across a price change, cache writes, reasoning and a batch tier, to the cent', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    writeFileSync(join(dir, 'log.csv'), `${HEADER}
2026-10-10T10:00:00Z,g1,alice,search,gpt-4o,,1000000,100000,200000,0,0,0,0
2026-10-20T10:00:00Z,g2,alice,search,gpt-4o,,1000000,100000,200000,0,0,0,0
2026-10-20T11:00:00Z,g3,bot,bots,gpt-4o,batch,2000000,0,0,0,0,0,0
2026-10-21T11:00:00Z,o1,bot,bots,o3,,100000,50000,0,0,0,30000,0
2026-10-22T11:00:00Z,c1,alice,search,claude-sonnet-4-20250514,,1000000,200000,400000,100000,50000,0,3
`);
    assert.equal((await run('ingest', join(dir, 'log.csv'), '--source', 'gateway')).code, 0);
    writeFileSync(join(dir, 'card.yaml'), CARD);
    const computed = await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'));
    assert.equal(computed.code, 0, computed.stderr);
    const lines = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    // Search: g1 at October's first row: 800k × 2.50 + 200k × 1.25 + 100k × 10 = 2.00 + 0.25 + 1.00 = 3.25;
    //         g2 from the 15th: 800k × 2.00 + 200k × 1.00 + 100k × 8 = 1.60 + 0.20 + 0.80 = 2.60;
    //         c1: 450k × 3 + 400k × 0.30 + 100k × 3.75 + 50k × 6 + 200k × 15 = 5.145, + 3 × 0.01 = 5.175; the line 11.025 → 11.03.
    // Bots:   g3 batch from the 15th: 2M × 2.00 × 0.5 = 2.00; o1: 100k × 2 + 20k × 8 + 30k reasoning × 8 = 0.60,
    //         + 1 request × 0.001; 2.601 → 2.60.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-BOTS', '2.60'], ['CC-SEARCH', '11.03']]);
    const explained = (await run('explain', '-m', '2026-10', '--cost-centre', 'CC-SEARCH')).stdout;
    assert.match(explained, /gpt-4o input: 800000 × 2\.5 per 1M/);
    assert.match(explained, /gpt-4o input: 800000 × 2 per 1M/);
    assert.match(explained, /claude-sonnet-4-20250514 web_search call: 3 × 0\.01 per call/);
    // The FOCUS statement keeps the tokens behind each line, class by class (x_ columns).
    const focus = parse((await run('statement', '-m', '2026-10', '-f', 'focus')).stdout, { columns: true }) as Record<string, string>[];
    const search = focus.find((r) => r.SubAccountId === 'CC-SEARCH')!;
    assert.deepEqual([search.x_Requests, search.x_InputTokens, search.x_CachedInputTokens, search.x_CacheWriteTokens, search.x_CacheWrite1hTokens,
      search.x_OutputTokens, search.x_ReasoningTokens, search.x_WebSearchCalls], ['3', '3000000', '800000', '100000', '50000', '400000', '0', '3']);
    const verified = await run('runs', '--verify', '1');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /byte-identical/);
  });

  it("prices Anthropic's usage report and lists a model with no row as unpriced", async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    await run('ingest', fixture('data/gateway/anthropic_admin-api_usage-report-messages_example.json'), '--source', 'gateway');
    writeFileSync(join(dir, 'card.yaml'), CARD.replace('version: 1', 'version: 1\nunpriced: ignore'));
    const month = '2025-08';
    const computed = await run('compute', '-m', month, '-r', join(dir, 'card.yaml'));
    assert.equal(computed.code, 0, computed.stderr);
    const lines = JSON.parse((await run('statement', '-m', month, '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    // The example's result (workspace wrkspc_01Jw…, claude-sonnet-4-20250514): uncached 1500 × 3 + reads 200 × 0.30 + writes
    // 500 × 3.75 + 1h writes 1000 × 6 + output 500 × 15, per 1M = 0.0045 + 0.00006 + 0.001875 + 0.006 + 0.0075 = 0.019935, + 10 × 0.01 = 0.119935 → 0.12.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-SEARCH', '0.12']]);
  });

  it('the card init --example writes prices API spend, shares the GPU cluster and charges AWS accounts to their owners', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    const card = join(dir, 'ratecard.yaml');
    assert.equal((await run('init', '--example', card)).code, 0);
    assert.equal((await run('ratecard', 'validate', card)).code, 0);
    writeFileSync(join(dir, 'log.csv'), `${HEADER}
2026-10-10T10:00:00Z,e1,alice,search,gpt-4o,,1000000,100000,0,0,0,0,0
2026-10-11T10:00:00Z,e2,bot@example.com,,llama-3-70b,,3000,1000,0,0,0,0,0
`);
    writeFileSync(join(dir, 'aws.csv'), `BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName,SubAccountId,Tags
120.00,120.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,Amazon Bedrock,111111111111,{}
30.00,30.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,Amazon EC2,222222222222,{}
100.00,100.00,USD,2026-10-02T00:00:00Z,2026-10-03T00:00:00Z,Invoice,OpenAI,API,,{}
`.replace('Invoice', 'Usage'));
    await run('ingest', join(dir, 'log.csv'), '--source', 'gateway');
    await run('ingest', join(dir, 'aws.csv'), '--source', 'billing');
    const computed = await run('compute', '-m', '2026-10', '-r', card);
    assert.ok(computed.code === 0 || computed.code === 1, computed.stderr);
    const lines = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout).lines as { cost_centre: string; pool: string; method: string; amount: string }[];
    const line = (centre: string, pool: string, method: string) => lines.find((l) => l.cost_centre === centre && l.pool === pool && l.method === method)?.amount;
    // gpt-4o before the 15th: 1M × 2.50 + 100k × 10 = 3.50; the OpenAI invoice of 100.00 leaves 96.50 unexplained.
    assert.equal(line('CC-4100', 'api', 'price-list'), '3.50');
    assert.equal(line('CC-0000', 'api', 'idle'), '96.50');
    assert.equal(line('CC-4200', 'llm-cluster', 'proportional'), '42560.00');
    assert.equal(line('CC-4100', 'aws', 'direct'), '120.00');
    assert.equal(line('CC-0000', 'aws', 'direct'), '30.00');
  });
});
