import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { cliIn, fixture, workspace } from './cli.js';

const SAMPLE = fixture('data/gateway/openai_admin-api_usage-completions_example.json');
type Page = { data: { start_time: number; end_time: number; results: Record<string, unknown>[] }[] };

/** The real example page, its one result grouped as a pull with group_by=model,project_id would return it, twice over two days. */
function groupedPage(): Page {
  const page = JSON.parse(readFileSync(SAMPLE, 'utf8')) as Page;
  const [bucket] = page.data;
  const result = { ...bucket!.results[0]!, model: 'gpt-4o-mini-2024-07-18', project_id: 'proj_search' };
  const next = { ...bucket!, start_time: bucket!.start_time + 86_400, end_time: bucket!.end_time + 86_400, results: [{ ...result, num_model_requests: 7, input_tokens: 10, output_tokens: 2, input_cached_tokens: 0 }] };
  return { ...page, data: [{ ...bucket!, results: [result] }, next] };
}

describe('OpenAI Usage API pages (issue 16): buckets are usage with the API\'s own request counts', () => {
  it('the real example page is read; its result names no model (no group_by), so it is rejected saying how to pull it', async () => {
    const { dir } = workspace();
    const run = await cliIn(dir, ['ingest', SAMPLE, '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /\(openai-usage\): 1 rows read, 0 stored, 0 duplicate, 1 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /,1,"field ""model"": missing \(pull the Usage API with group_by=model\)"\n$/);
  });

  it('grouped results: the requests driver counts num_model_requests (5 + 7), tokens sum, re-pulling counts nothing twice', async () => {
    const { dir } = workspace();
    const file = join(dir, 'usage.json');
    writeFileSync(file, JSON.stringify(groupedPage(), null, 2));
    const run = await cliIn(dir, ['ingest', file, '--source', 'gateway', '--set', 'team=search']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 rows read, 2 stored, 0 duplicate, 0 rejected/);
    // The same buckets pulled again as JSON lines (another file, other bytes): all duplicates.
    writeFileSync(join(dir, 'again.jsonl'), `${JSON.stringify(groupedPage())}\n`);
    assert.match((await cliIn(dir, ['ingest', join(dir, 'again.jsonl'), '--source', 'gateway', '--set', 'team=search'])).stdout, /2 rows read, 0 stored, 2 duplicate/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, match: { project: [proj_search] } }
pools:
  - { id: calls, cost: { fixed: "12.00" }, method: proportional, driver: requests }
  - { id: tokens, cost: { fixed: "1512.00" }, method: proportional, driver: tokens }
`);
    assert.equal((await cliIn(dir, ['compute', '--month', '2024-11', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2024-11', '--format', 'json'])).stdout) as { lines: { pool: string; quantity: string }[] }).lines;
    // requests: 5 + 7 = 12; tokens: (1000 + 500) + (10 + 2) = 1512
    assert.deepEqual(lines.map((l) => [l.pool, l.quantity]), [['calls', '12'], ['tokens', '1512']]);
  });

  it('malformed twins: a page without data, a bucket without results, tokens as text: one-line rejects, the good result stored', async () => {
    const { dir } = workspace();
    const good = groupedPage();
    const badTokens = groupedPage();
    badTokens.data[0]!.results[0]!.input_tokens = 'many';
    const lines = [JSON.stringify({ ...good, data: [good.data[1]] }), JSON.stringify({ object: 'page', has_more: false }),
      JSON.stringify({ object: 'page', data: [{ object: 'bucket', start_time: 1 }], has_more: false }), JSON.stringify({ ...badTokens, data: [badTokens.data[0]] })];
    writeFileSync(join(dir, 'u.jsonl'), `${lines.join('\n')}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'u.jsonl'), '--source', 'gateway', '--set', 'team=search', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /4 rows read, 1 stored, 0 duplicate, 3 rejected/);
    const rejects = parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { line: string; reason: string }[];
    assert.deepEqual(rejects.map((r) => [r.line, r.reason]), [
      ['2', 'expected a usage report page: {"data": [buckets], …}'],
      ['3', 'a bucket without "results"'],
      ['4', 'field "input_tokens": expected a whole number, got "many"'],
    ]);
  });
});

describe('Anthropic Admin API usage report (issue 16)', () => {
  const SAMPLE_A = fixture('data/gateway/anthropic_admin-api_usage-report-messages_example.json');
  type Result = { uncached_input_tokens: number; cache_read_input_tokens: number; output_tokens: number; cache_creation: { ephemeral_1h_input_tokens: number; ephemeral_5m_input_tokens: number }; workspace_id: string };

  it('the example page: input is uncached + cache reads + cache writes, cached input the reads, 0 requests (the report counts none)', async () => {
    const { dir } = workspace();
    const run = await cliIn(dir, ['ingest', SAMPLE_A, '--source', 'gateway']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(anthropic-usage\): 1 rows read, 1 stored/);
    const page = JSON.parse(readFileSync(SAMPLE_A, 'utf8')) as { data: { results: Result[] }[] };
    const r = page.data[0]!.results[0]!;
    const input = r.uncached_input_tokens + r.cache_read_input_tokens + r.cache_creation.ephemeral_1h_input_tokens + r.cache_creation.ephemeral_5m_input_tokens;
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, match: { project: [${r.workspace_id}] } }
pools:
  - { id: in, cost: { fixed: "${input}.00" }, method: proportional, driver: input_tokens }
  - { id: cached, cost: { fixed: "${r.cache_read_input_tokens}.00" }, method: proportional, driver: cached_input_tokens }
  - { id: out, cost: { fixed: "${r.output_tokens}.00" }, method: proportional, driver: output_tokens }
`);
    assert.equal((await cliIn(dir, ['compute', '--month', '2025-08', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2025-08', '--format', 'json'])).stdout) as { lines: { pool: string; quantity: string; cost_centre: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.pool, l.quantity]), [['CC-1', 'cached', String(r.cache_read_input_tokens)], ['CC-1', 'in', String(input)], ['CC-1', 'out', String(r.output_tokens)]]);
  });

  it('grouped by account (the report\'s newer group_by[]=account_id / service_account_id): the account is the user', async () => {
    const { dir } = workspace();
    const page = JSON.parse(readFileSync(SAMPLE_A, 'utf8')) as { data: { results: Record<string, unknown>[] }[] };
    const result = page.data[0]!.results[0]!;
    page.data[0]!.results = [{ ...result, account_id: 'user_01WCz1FkmYMm4gnmykNK' }, { ...result, account_id: null, service_account_id: 'svac_01Hk3R9TWxq7CfQak00OiVw4' }];
    writeFileSync(join(dir, 'a.json'), JSON.stringify(page));
    assert.match((await cliIn(dir, ['ingest', join(dir, 'a.json'), '--source', 'gateway'])).stdout, /2 rows read, 2 stored/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, match: { user: [user_01WCz1FkmYMm4gnmykNK] } }
  - { id: CC-2, match: { user: [svac_01Hk3R9TWxq7CfQak00OiVw4] } }
pools:
  - { id: out, cost: { fixed: "10.00" }, method: proportional, driver: output_tokens }
`);
    assert.equal((await cliIn(dir, ['compute', '--month', '2025-08', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2025-08', '--format', 'json'])).stdout) as { lines: { cost_centre: string; amount: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-1', '5.00'], ['CC-2', '5.00']]);
  });

  it('malformed twins: tokens as text, no model: one-line rejects naming the field', async () => {
    const { dir } = workspace();
    const page = JSON.parse(readFileSync(SAMPLE_A, 'utf8')) as { data: { results: Record<string, unknown>[] }[] };
    const result = page.data[0]!.results[0]!;
    page.data[0]!.results = [result, { ...result, uncached_input_tokens: 'lots' }, { ...result, model: null }];
    writeFileSync(join(dir, 'a.json'), JSON.stringify(page));
    const run = await cliIn(dir, ['ingest', join(dir, 'a.json'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.match(run.stdout, /3 rows read, 1 stored, 0 duplicate, 2 rejected/);
    const rejects = parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { reason: string }[];
    assert.deepEqual(rejects.map((r) => r.reason), ['field "input_tokens": expected a whole number, got "lots"', 'field "model": missing (pull the usage report with group_by[]=model)']);
  });
});
