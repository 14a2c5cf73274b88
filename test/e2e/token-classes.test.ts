import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { inProcess, workspace } from './cli.js';

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
});
