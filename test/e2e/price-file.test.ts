import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * A price-list pool that loads its prices from LiteLLM's model price map (issue 29), a real
 * team's copy of it, with the card's own rows taking precedence; and a price list held to the
 * invoice, provider by provider and model by model. Each expected figure is worked out here
 * from the files' own text, not through the reader under test.
 */
const MAP = fixture('data/prices/model-price-repo_model_prices_and_context_window.json');
const HEADER = 'timestamp,request_id,user,team,model,tier,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,cache_write_1h_tokens,reasoning_tokens,web_search_calls';
const LOG = `${HEADER}
2026-10-10T10:00:00Z,f1,alice,search,gpt-4o,,1000000,100000,200000,0,0,0,0
2026-10-11T10:00:00Z,f2,alice,search,claude-sonnet-4-5,,1000000,200000,400000,100000,50000,0,3
2026-10-12T10:00:00Z,f3,bot,bots,gpt-4o-mini,,1000000,0,0,0,0,0,0
2026-10-13T10:00:00Z,f4,bot,bots,my-llama,,1000,1000,0,0,0,0,0
`;
const cardWith = (pool: string) => `version: 1
currency: USD
unallocated: CC-0000
unpriced: ignore
cost_centres:
  - { id: CC-SEARCH, name: Search, match: { team: [search] } }
  - { id: CC-BOTS, name: Bots, match: { team: [bots] } }
pools:
  - id: api
    method: price-list
${pool}
`;
const FILE_POOL = `    prices_file: prices.json
    prices:
      - model: gpt-4o-mini
        per_million: { input: "1.00", output: "2.00" }`;

/** A model's price per token as the map writes it, read with a pattern: independent of the reader. */
function perToken(text: string, model: string, field: string): Decimal {
  const entry = text.slice(text.indexOf(`"${model}": {`));
  const value = new RegExp(`"${field}": ([0-9.e+-]+)`).exec(entry.slice(0, entry.indexOf('\n  }')))?.[1];
  assert.ok(value, `${model} ${field}`);
  return new Decimal(value);
}

describe('price-list prices from a LiteLLM price map (issue 29)', () => {
  it('prices every class from the map, the card row first, and keeps the map with the run', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    writeFileSync(join(dir, 'log.csv'), LOG);
    copyFileSync(MAP, join(dir, 'prices.json'));
    writeFileSync(join(dir, 'card.yaml'), cardWith(FILE_POOL));
    assert.equal((await run('ingest', join(dir, 'log.csv'), '--source', 'gateway')).code, 0);
    const computed = await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'));
    assert.equal(computed.code, 0, computed.stderr);

    const text = readFileSync(MAP, 'utf8');
    const p = (model: string, field: string) => perToken(text, model, field);
    // f1 gpt-4o: 800k uncached + 200k cached input, 100k output.
    const f1 = p('gpt-4o', 'input_cost_per_token').times(800_000).plus(p('gpt-4o', 'cache_read_input_token_cost').times(200_000))
      .plus(p('gpt-4o', 'output_cost_per_token').times(100_000));
    // f2 claude-sonnet-4-5: 450k uncached, 400k read, 100k 5-minute and 50k 1-hour writes, 200k output, 3 searches (medium context).
    const c = 'claude-sonnet-4-5';
    const f2 = p(c, 'input_cost_per_token').times(450_000).plus(p(c, 'cache_read_input_token_cost').times(400_000))
      .plus(p(c, 'cache_creation_input_token_cost').times(100_000)).plus(p(c, 'cache_creation_input_token_cost_above_1hr').times(50_000))
      .plus(p(c, 'output_cost_per_token').times(200_000)).plus(p(c, 'search_context_size_medium').times(3));
    assert.equal(f1.toFixed(), '3.25');
    assert.equal(f2.toFixed(), '5.175');
    const lines = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout).lines as { cost_centre: string; amount: string }[];
    // f3 gpt-4o-mini at the card's own row (the map has one too): 1M × 1.00 per 1M; f4 has no row anywhere: unpriced.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-BOTS', '1.00'], ['CC-SEARCH', f1.plus(f2).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2)]]);
    const explained = (await run('explain', '-m', '2026-10', '--cost-centre', 'CC-SEARCH')).stdout;
    assert.match(explained, /claude-sonnet-4-5 cache_write_1h: 50000 × 6 per 1M/);
    assert.match(explained, /gpt-4o cache_read: 200000 × 1\.25 per 1M/);

    // The run keeps the map: it verifies, and its views read, with the file changed or gone.
    writeFileSync(join(dir, 'prices.json'), text.replace('"input_cost_per_token": 2.5e-06', '"input_cost_per_token": 9e-06'));
    assert.equal((await run('runs', '--verify', '1')).code, 0);
    rmSync(join(dir, 'prices.json'));
    const verified = await run('runs', '--verify', '1');
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /byte-identical/);
    assert.equal((await run('explain', '-m', '2026-10', '--cost-centre', 'CC-SEARCH')).stdout, explained);
  });

  it('a map that cannot be read, or a bad price in it, is one line naming where', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    writeFileSync(join(dir, 'card.yaml'), cardWith(FILE_POOL.replace('prices.json', 'nope.json')));
    const missing = await run('ratecard', 'validate', join(dir, 'card.yaml'));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /card\.yaml:11: pools\[0\]\.prices_file: cannot read the price file "nope\.json" \(ENOENT\)/);

    const text = readFileSync(MAP, 'utf8');
    writeFileSync(join(dir, 'prices.json'), text.replace('"output_cost_per_token": 1e-05,', '"output_cost_per_token": -1e-05,'));
    writeFileSync(join(dir, 'card.yaml'), cardWith(FILE_POOL));
    const bad = await run('ratecard', 'validate', join(dir, 'card.yaml'));
    assert.equal(bad.code, 2);
    const line = text.slice(0, text.indexOf('"output_cost_per_token": 1e-05,')).lastIndexOf('\n  "');
    const model = /^\n {2}"([^"]+)"/.exec(text.slice(line))![1]!;
    const at = text.slice(0, line + 1).split('\n').length;
    assert.equal(bad.stderr.trim(), `chargeback: prices.json:${at}: "${model}".output_cost_per_token: expected a price per token ≥ 0, got -0.00001`);

    writeFileSync(join(dir, 'prices.json'), '[1, 2]');
    assert.match((await run('ratecard', 'validate', join(dir, 'card.yaml'))).stderr, /prices\.json: not a LiteLLM price map: expected one JSON object of models/);
  });
});

/** Computes `month` with the card in `dir` (exit `code`) and gives the stored list against invoice of its first pool. */
async function listAgainstInvoice(run: ReturnType<typeof inProcess>, dir: string, month: string, code = 0): Promise<unknown> {
  const computed = await run('compute', '-m', month, '-r', join(dir, 'card.yaml'));
  assert.equal(computed.code, code, computed.stderr);
  return JSON.parse((await run('statement', '-m', month, '-f', 'json')).stdout).pool_costs[0].list_against_invoice;
}

describe('a price list held to its invoice (issue 29)', () => {
  it("holds Anthropic's usage report at list price to its cost report, provider and model", async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    await run('ingest', fixture('data/gateway/anthropic_admin-api_usage-report-messages_example.json'), '--source', 'gateway');
    await run('ingest', fixture('data/gateway/anthropic_admin-api_cost-report_example.json'), '--source', 'billing');
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-SEARCH, name: Search, match: { project: [wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ] } }
pools:
  - id: api
    cost: { billing: { provider: Anthropic }, column: billed_cost }
    method: price-list
    prices:
      - model: "claude-sonnet-4*"
        per_million: { input: "3.00", cache_read: "0.30", cache_write: "3.75", cache_write_1h: "6.00", output: "15.00" }
        per_call: { web_search: "0.01" }
`);
    // List: 1500 × 3 + 200 × 0.30 + 500 × 3.75 + 1000 × 6 + 500 × 15 per 1M + 10 searches × 0.01 = 0.119935 (price-list.test.ts);
    // invoice: the cost report's 123.78912 cents = 1.2378912; the difference 1.1179562.
    assert.deepEqual(await listAgainstInvoice(run, dir, '2025-08'), [
      { provider: 'Anthropic', list: '0.12', invoice: '1.24', difference: '1.12' },
      { provider: 'Anthropic', model: 'claude-sonnet-4-20250514', list: '0.12', invoice: '1.24', difference: '1.12' },
    ]);
    const explained = (await run('explain', '-m', '2025-08', '--cost-centre', 'CC-0000')).stdout;
    assert.match(explained, /list price against the invoice:\n\s+Anthropic: list 0\.12, invoice 1\.24, difference 1\.12\n\s+claude-sonnet-4-20250514: list 0\.12/);
    const page = join(dir, 'report.html');
    assert.equal((await run('report', '-m', '2025-08', '-o', page)).code, 0);
    assert.match(readFileSync(page, 'utf8'), /List price against the invoice[\s\S]*claude-sonnet-4-20250514<\/td><td class="num">0\.12<\/td><td class="num">1\.24<\/td>/);
  });

  it('two providers, the bill naming snapshots: each provider and model against its own lines', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    writeFileSync(join(dir, 'log.csv'), LOG.split('\n').slice(0, 3).join('\n') + '\n');
    const day = { start: 1791590400, end: 1791676800 }; // 2026-10-10
    writeFileSync(join(dir, 'openai.json'), JSON.stringify({ object: 'page', has_more: false, next_page: null, data: [{ object: 'bucket', start_time: day.start, end_time: day.end, results: [
      { object: 'organization.costs.result', amount: { value: 3.1, currency: 'usd' }, line_item: 'gpt-4o-2024-08-06, input', project_id: null },
      { object: 'organization.costs.result', amount: { value: 1.0, currency: 'usd' }, line_item: 'gpt-4o-2024-08-06, output', project_id: null },
      { object: 'organization.costs.result', amount: { value: 0.5, currency: 'usd' }, line_item: 'web search tool calls', project_id: null },
    ] }] }));
    writeFileSync(join(dir, 'anthropic.json'), JSON.stringify({ has_more: false, data: [{ starting_at: '2026-10-11T00:00:00Z', ending_at: '2026-10-12T00:00:00Z', results: [
      { currency: 'USD', amount: '600', workspace_id: null, description: 'Claude Sonnet 4.5 Usage', model: 'claude-sonnet-4-5-20250929' },
    ] }] }));
    await run('ingest', join(dir, 'log.csv'), '--source', 'gateway');
    await run('ingest', join(dir, 'openai.json'), '--source', 'billing');
    await run('ingest', join(dir, 'anthropic.json'), '--source', 'billing');
    writeFileSync(join(dir, 'card.yaml'), cardWith(`    cost: { billing: { provider: [OpenAI, Anthropic] }, column: billed_cost }
    prices:
      - model: gpt-4o
        provider: OpenAI
        per_million: { input: "2.50", cache_read: "1.25", output: "10.00" }
      - model: "claude-sonnet-4*"
        provider: anthropic
        per_million: { input: "3.00", cache_read: "0.30", cache_write: "3.75", cache_write_1h: "6.00", output: "15.00" }
        per_call: { web_search: "0.01" }`));
    // gpt-4o 3.25 at list against 4.10 billed for its snapshot; web search billed with no list; claude 5.175 against 6.00.
    assert.deepEqual(await listAgainstInvoice(run, dir, '2026-10'), [
      { provider: 'Anthropic', list: '5.18', invoice: '6.00', difference: '0.83' },
      { provider: 'Anthropic', model: 'claude-sonnet-4-5-20250929', list: '5.18', invoice: '6.00', difference: '0.83' },
      { provider: 'OpenAI', list: '3.25', invoice: '4.60', difference: '1.35' },
      { provider: 'OpenAI', model: 'gpt-4o-2024-08-06', list: '3.25', invoice: '4.10', difference: '0.85' },
      { provider: 'OpenAI', model: 'web search tool calls', list: '0.00', invoice: '0.50', difference: '0.50' },
    ]);
    // Σ lines = C: 8.43 charged at list, the 2.17 the invoice holds beyond it on the variance line.
    const lines = JSON.parse((await run('statement', '-m', '2026-10', '-f', 'json')).stdout).lines as { amount: string }[];
    const amounts = lines.map((l) => new Decimal(l.amount));
    assert.equal(Decimal.sum(...amounts).toFixed(2), '10.60');
  });
  it("reads the models a FOCUS 1.3 bill names in SkuPriceDetails (the FOCUS spec's multi-model example)", async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    assert.equal((await run('ingest', fixture('data/focus/focus-spec_ai_multi_model_usage.csv'), '--source', 'billing')).code, 0);
    writeFileSync(join(dir, 'card.yaml'), cardWith(`    cost: { billing: { provider: Solora AI }, column: billed_cost }
    prices:
      - model: "solora-*"
        per_million: { input: "5.00", output: "25.00" }`));
    // No usage is logged for the month: compute says so (exit 1) and stores the run.
    // Independently, from the file with Python's csv and json: atlas-5.5 input 50.00 + output 50.00, atlas-5.4-mini 4.50; no usage logged.
    assert.deepEqual(await listAgainstInvoice(run, dir, '2025-05', 1), [
      { provider: 'Solora AI', list: '0.00', invoice: '104.50', difference: '104.50' },
      { provider: 'Solora AI', model: 'solora-atlas-5.4-mini', list: '0.00', invoice: '4.50', difference: '4.50' },
      { provider: 'Solora AI', model: 'solora-atlas-5.5', list: '0.00', invoice: '100.00', difference: '100.00' },
    ]);
  });
});
