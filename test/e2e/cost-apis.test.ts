import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { chargeback, fixture, workspace } from './cli.js';

const OPENAI = fixture('data/gateway/openai_admin-api_costs_example.json');
type Summary = { total: { billed_cost: string; currency: string; records: number }[]; by_service: { group: string; billed_cost: string }[] };
const summary = (dir: string, month: string) => JSON.parse(chargeback(dir, ['billing', 'summary', '--month', month, '--format', 'json']).stdout) as Summary;

describe('provider cost APIs as billing (issue 16)', () => {
  it('OpenAI Costs API: the real example page is one record of its amount, in its bucket\'s month; a re-pull stores nothing twice', () => {
    const { dir } = workspace();
    const page = JSON.parse(readFileSync(OPENAI, 'utf8')) as { data: { start_time: number; results: { amount: { value: number; currency: string } }[] }[] };
    const run = chargeback(dir, ['ingest', OPENAI, '--source', 'billing']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(openai-costs\): 1 rows read, 1 stored/);
    const month = new Date(page.data[0]!.start_time * 1000).toISOString().slice(0, 7);
    const expected = page.data.flatMap((b) => b.results).reduce((s, r) => s.plus(String(r.amount.value)), new Decimal(0));
    assert.deepEqual(summary(dir, month).total.map((t) => [t.billed_cost, t.currency, t.records]), [[expected.toFixed(), 'USD', 1]]);
    writeFileSync(join(dir, 'again.jsonl'), `${JSON.stringify(page)}\n`);
    assert.match(chargeback(dir, ['ingest', join(dir, 'again.jsonl'), '--source', 'billing']).stdout, /1 rows read, 0 stored, 1 duplicate/);
  });

  it('OpenAI Costs API malformed twins: an amount as text, a currency that is not ISO 4217, a bucket without results', () => {
    const { dir } = workspace();
    const page = JSON.parse(readFileSync(OPENAI, 'utf8')) as { data: { results: Record<string, unknown>[] }[] };
    const result = page.data[0]!.results[0]!;
    page.data[0]!.results = [result, { ...result, line_item: 'b', amount: { value: 'lots', currency: 'usd' } }, { ...result, line_item: 'c', amount: { value: 1, currency: 'mc' } }];
    const lines = [JSON.stringify(page), JSON.stringify({ object: 'page', data: [{ object: 'bucket', start_time: 1 }], has_more: false })];
    writeFileSync(join(dir, 'c.jsonl'), `${lines.join('\n')}\n`);
    const run = chargeback(dir, ['ingest', join(dir, 'c.jsonl'), '--source', 'billing', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /4 rows read, 1 stored, 0 duplicate, 3 rejected/);
    const rejects = parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { line: string; reason: string }[];
    assert.deepEqual(rejects.map((r) => [r.line, r.reason]), [
      ['1', 'field "amount.value": expected a decimal amount, got "lots"'],
      ['1', 'field "amount.currency": "mc" is not an ISO 4217 currency code: pass --currency to say which currency the file is in'],
      ['2', 'a bucket without "results"'],
    ]);
  });

  it('Anthropic cost report, the API reference\'s example: "123.78912" cents is 1.2378912 USD, in its bucket\'s month', () => {
    const { dir } = workspace();
    const file = fixture('data/gateway/anthropic_admin-api_cost-report_example.json');
    const run = chargeback(dir, ['ingest', file, '--source', 'billing']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(anthropic-costs\): 1 rows read, 1 stored/);
    const page = JSON.parse(readFileSync(file, 'utf8')) as { data: { results: { amount: string }[] }[] };
    const expected = new Decimal(page.data[0]!.results[0]!.amount).dividedBy(100);
    assert.deepEqual(summary(dir, '2025-08').by_service.map((r) => [r.group, r.billed_cost]), [['Anthropic / Claude Sonnet 4 Usage - Input Tokens', expected.toFixed()]]);
  });

  it('Anthropic cost report: amounts are cents as decimal text ("123.45" USD is 1.2345), divided exactly', () => {
    // The documented shape (the API reference's field list and its own "123.45" example); no
    // openly licensed capture of a real report was found.
    const { dir } = workspace();
    const page = {
      data: [{
        starting_at: '2025-08-01T00:00:00Z', ending_at: '2025-08-02T00:00:00Z',
        results: [
          { currency: 'USD', amount: '123.45', workspace_id: 'wrkspc_1', description: 'Claude Sonnet 4 Usage - Input Tokens', cost_type: 'tokens', context_window: '0-200k', model: 'claude-sonnet-4-20250514', service_tier: 'standard', token_type: 'uncached_input_tokens' },
          { currency: 'USD', amount: '0.001', workspace_id: null, description: null, cost_type: 'web_search', context_window: null, model: null, service_tier: null, token_type: null },
        ],
      }],
      has_more: false, next_page: null,
    };
    writeFileSync(join(dir, 'cost.json'), JSON.stringify(page, null, 2));
    const run = chargeback(dir, ['ingest', join(dir, 'cost.json'), '--source', 'billing']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(anthropic-costs\): 2 rows read, 2 stored/);
    const s = summary(dir, '2025-08');
    assert.deepEqual(s.total.map((t) => t.billed_cost), ['1.23451']);
    assert.deepEqual(s.by_service.map((r) => [r.group, r.billed_cost]), [['Anthropic / Claude Sonnet 4 Usage - Input Tokens', '1.2345'], ['Anthropic / web_search', '0.00001']]);
  });

  it('a usage page ingested as billing, or a cost page as gateway usage, says which source reads it', () => {
    const { dir } = workspace();
    const cases: [string, string, string][] = [
      ['gateway', OPENAI, 'this looks like a billing export (openai-costs): use --source billing'],
      ['billing', fixture('data/gateway/openai_admin-api_usage-completions_example.json'), 'this looks like a gateway log (openai-usage): use --source gateway'],
      ['billing', fixture('data/gateway/anthropic_admin-api_usage-report-messages_example.json'), 'this looks like a gateway log (anthropic-usage): use --source gateway'],
    ];
    for (const [source, file, reason] of cases) {
      const run = chargeback(dir, ['ingest', file, '--source', source, '--rejects', join(dir, 'r.csv')]);
      assert.equal(run.code, 1, run.stderr);
      assert.match(run.stdout, /1 rows read, 0 stored, 0 duplicate, 1 rejected/);
      assert.deepEqual((parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { reason: string }[]).map((r) => r.reason), [reason]);
    }
  });
});
