import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { cliIn, workspace } from './cli.js';

/**
 * Rows in the column layout of OpenRouter's activity export as users report it (no openly
 * licensed export was found to copy; the values are ours): 24 columns, `created_at` without a
 * zone and with milliseconds, booleans as true/false, empty cells for absent values.
 */
const HEADER = 'generation_id,created_at,cost_total,cost_web_search,cost_cache,cost_file_processing,byok_usage_inference,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,time_to_first_token_ms,api_key_disabled,api_key_name,app_name';
const ROWS = [
  'gen-1791194400-aaa,2026-10-05 10:00:00.040,0.0123,0,0,0,0,10389,137,0,0,openai/gpt-oss-120b,DeepInfra,standard,false,true,,stop,stop,1534,412,false,search-prod,',
  'gen-1791194460-bbb,2026-10-05 10:01:00.500,0.0021,0,-0.0003,0,0,2048,512,128,1024,anthropic/claude-sonnet-4,Anthropic,standard,false,true,ann,end_turn,stop,3120,801,false,search-prod,Cline',
  'gen-1791194520-ccc,2026-10-05 10:02:00.000,0,0,0,0,0,500,20,0,0,meta-llama/llama-3.3-70b-instruct:free,Chutes,free,true,false,,,,220,,false,support-bot,',
];

describe('OpenRouter activity export (issue 16)', () => {
  it('reads every row; tokens equal the rows\' own sums; the key name is the project', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'activity.csv'), `${HEADER}\n${ROWS.join('\n')}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'activity.csv'), '--source', 'gateway']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(openrouter\): 3 rows read, 3 stored, 0 duplicate, 0 rejected/);
    const rows = parse(`${HEADER}\n${ROWS.join('\n')}`, { columns: true }) as Record<string, string>[];
    const sum = (key: string, project: string) => rows.filter((r) => r.api_key_name === project).reduce((s, r) => s + Number(r[key]), 0);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-SEARCH, match: { project: [search-prod] } }
  - { id: CC-SUPPORT, match: { project: [support-bot] } }
pools:
  - { id: in, cost: { fixed: "10.00" }, method: proportional, driver: input_tokens }
  - { id: cached, cost: { fixed: "10.00" }, method: proportional, driver: cached_input_tokens }
`);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout) as { lines: { cost_centre: string; pool: string; quantity: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.pool, l.quantity]), [
      ['CC-SEARCH', 'cached', String(sum('tokens_cached', 'search-prod'))],
      ['CC-SEARCH', 'in', String(sum('tokens_prompt', 'search-prod'))],
      ['CC-SUPPORT', 'in', String(sum('tokens_prompt', 'support-bot'))],
    ]);
  });

  it('malformed twins: tokens as text, a time that is no time, cached above prompt: one-line rejects, nothing lost', async () => {
    const { dir } = workspace();
    const bad = [
      ROWS[0]!.replace(',10389,', ',lots,'),
      ROWS[1]!.replace('2026-10-05 10:01:00.500', 'yesterday'),
      ROWS[2]!.replace(',500,20,0,0,', ',500,20,0,900,'),
    ];
    writeFileSync(join(dir, 'a.csv'), `${HEADER}\n${bad.join('\n')}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'a.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /3 rows read, 0 stored, 0 duplicate, 3 rejected/);
    const reasons = (parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { reason: string }[]).map((r) => r.reason);
    assert.deepEqual(reasons, [
      'field "tokens_prompt": expected a whole number, got "lots"',
      'field "created_at": expected an ISO 8601 time or a Unix time, got "yesterday"',
      'field "tokens_cached": 900 is more than the input tokens 500',
    ]);
  });
});
