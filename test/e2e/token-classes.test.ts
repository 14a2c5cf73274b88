import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * Token classes end to end (issue 29): the native CSV's new optional columns are stored per
 * event and summed by day, the summary names the classes a file carried, impossible counts
 * are rejected naming the column, and a file without them keys and sums as before.
 */
const HEADER = 'timestamp,request_id,user,team,model,input_tokens,output_tokens,cached_input_tokens,cache_write_tokens,cache_write_1h_tokens,reasoning_tokens,web_search_calls';

describe('token classes (issue 29)', () => {
  it('stores cache writes, reasoning and web-search calls, and the summary names them', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    writeFileSync(join(dir, 'log.csv'), `${HEADER}
2026-10-01T10:00:00Z,a1,alice,search,claude-sonnet-4,10000,2000,4000,3000,1000,500,2
2026-10-01T11:00:00Z,a2,alice,search,claude-sonnet-4,100,20,,,,,
2026-10-02T11:00:00Z,a3,bob,search,o3,50,900,,,,800,
2026-10-02T12:00:00Z,bad1,bob,search,o3,50,900,30,30,,,
2026-10-02T13:00:00Z,bad2,bob,search,o3,50,900,,,,901,
2026-10-02T14:00:00Z,bad3,bob,search,o3,50,900,,1.5,,,
`);
    const read = await run('ingest', join(dir, 'log.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv'));
    assert.equal(read.code, 1);
    assert.match(read.stdout, /6 rows read, 3 stored, 0 duplicate, 3 rejected \(see .*\); token classes: cache_write_tokens, cache_write_1h_tokens, reasoning_tokens, web_search_calls\n$/);
    const db = new Database(ledger, { readonly: true });
    try {
      const daily = db.prepare(`SELECT day, SUM(input_tokens) i, SUM(output_tokens) o, SUM(cached_input_tokens) c, SUM(cache_write_tokens) w,
        SUM(cache_write_1h_tokens) h, SUM(reasoning_tokens) r, SUM(web_search_calls) s FROM usage_daily GROUP BY day ORDER BY day`).all();
      assert.deepEqual(daily.map((d) => Object.values(d as object).slice(1)), [[10100, 2020, 4000, 3000, 1000, 500, 2], [50, 900, 0, 0, 0, 800, 0]]);
    } finally {
      db.close();
    }
    const rejects = readFileSync(join(dir, 'r.csv'), 'utf8');
    assert.match(rejects, /"field ""cache_write_tokens"": cache reads and writes \(60\) are more than the input tokens 50, which count all input"/);
    assert.match(rejects, /"field ""reasoning_tokens"": 901 is more than the output tokens 900, which count reasoning too"/);
    assert.match(rejects, /"field ""cache_write_tokens"": expected a whole number, got ""1\.5"""/);
  });

  it('a file without classes keys its rows as before: the same rows with zero classes are duplicates', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    writeFileSync(join(dir, 'old.csv'), 'timestamp,user,team,model,input_tokens,output_tokens\n2026-10-01T10:00:00Z,alice,search,gpt-4o,10,2\n');
    writeFileSync(join(dir, 'new.csv'), `${HEADER}\n2026-10-01T10:00:00Z,,alice,search,gpt-4o,10,2,0,0,0,0,0\n`);
    assert.match((await run('ingest', join(dir, 'old.csv'), '--source', 'gateway')).stdout, /1 stored/);
    assert.match((await run('ingest', join(dir, 'new.csv'), '--source', 'gateway')).stdout, /1 rows read, 0 stored, 1 duplicate/);
  });

  it("Anthropic's usage report: its cache writes by duration and web-search calls are classes (its reference example)", async () => {
    const { ledger } = workspace();
    const run = inProcess(ledger);
    const read = await run('ingest', fixture('data/gateway/anthropic_admin-api_usage-report-messages_example.json'), '--source', 'gateway');
    assert.match(read.stdout, /token classes: cache_write_tokens, cache_write_1h_tokens, web_search_calls/);
    const db = new Database(ledger, { readonly: true });
    try {
      // The example's one result: uncached 1500, cache reads 200, writes 500 (5m) and 1000 (1h), output 500, 10 web searches.
      const sums = db.prepare(`SELECT SUM(input_tokens) i, SUM(cached_input_tokens) c, SUM(cache_write_tokens) w, SUM(cache_write_1h_tokens) h,
        SUM(output_tokens) o, SUM(web_search_calls) s FROM usage_events`).get();
      assert.deepEqual(sums, { i: 3200, c: 200, w: 500, h: 1000, o: 500, s: 10 });
    } finally {
      db.close();
    }
  });

  it('OpenAI-compatible responses: reasoning from completion_tokens_details, cache writes from input_tokens_details (as OpenAI documents them)', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger);
    const response = (id: string, usage: object) => JSON.stringify({ id, object: 'chat.completion', created: 1791100800, model: 'o3', user: 'alice', metadata: { team: 'search' }, usage });
    writeFileSync(join(dir, 'r.jsonl'), `${[
      response('c1', { prompt_tokens: 139, completion_tokens: 240, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 192 } }),
      response('c2', { input_tokens: 2403, output_tokens: 262, input_tokens_details: { cached_tokens: 1280, cache_write_tokens: 100 }, output_tokens_details: { reasoning_tokens: 192 } }),
      response('c3', { prompt_tokens: 10, completion_tokens: 5, completion_tokens_details: { reasoning_tokens: 6 } }),
    ].join('\n')}\n`);
    const read = await run('ingest', join(dir, 'r.jsonl'), '--source', 'gateway', '--format', 'openai-jsonl', '--rejects', join(dir, 'x.csv'));
    assert.match(read.stdout, /3 rows read, 2 stored, 0 duplicate, 1 rejected .*; token classes: cache_write_tokens, reasoning_tokens/);
    assert.match(readFileSync(join(dir, 'x.csv'), 'utf8'), /usage\.completion_tokens_details\.reasoning_tokens"": 6 is more than the output tokens 5/);
    const db = new Database(ledger, { readonly: true });
    try {
      assert.deepEqual(db.prepare('SELECT SUM(input_tokens) i, SUM(cached_input_tokens) c, SUM(cache_write_tokens) w, SUM(output_tokens) o, SUM(reasoning_tokens) r FROM usage_events').get(),
        { i: 2542, c: 1280, w: 100, o: 502, r: 384 });
    } finally {
      db.close();
    }
  });
});
