import assert from 'node:assert/strict';
import { DIMS_VALUES } from '../../src/ledger/usage-writer.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * A cron job re-reading a log that is still being written (issue 28): the same file read at
 * ten cut points, mid-cell, mid-quote (a quoted cell holding a line feed) and mid-UTF-8
 * character among them, ends in a ledger whose events are byte-identical to one read of the
 * whole file. Every read before the last holds its incomplete last line back and says so.
 */
const LOG = [
  'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment,tag.feature',
  '2026-10-01T00:00:00Z,r1,,alice,search,,gpt-4o,1000,200,120,ok,,prod,"offline-eval"',
  '2026-10-01T01:00:00Z,r2,,bob,support,,gpt-4o,500,100,80,ok,,staging,"multi\nline, quoted"',
  '2026-10-02T00:00:00Z,r3,,chloé,research,,gpt-4o,70,30,60,ok,,prod,résumé-ünïcode',
  '2026-10-03T00:00:00Z,r4,,dan,search,,gpt-4o-mini,12,3,40,ok,,staging,offline-batch',
].join('\n') + '\n';

async function ingest(ledger: string, file: string, ...flags: string[]) {
  return main2(ledger, ['ingest', file, '--source', 'gateway', ...flags]);
}

const main2 = (ledger: string, args: string[]) => inProcess(ledger, '2026-11-01T00:00:00Z')(...args);

function events(ledger: string): unknown[] {
  const db = new Database(ledger, { readonly: true });
  try {
    return db.prepare(`SELECT e.natural_key, e.ts_ms, e.status, e.input_tokens, e.output_tokens, e.requests, i.user_name, i.team, a.model, a.environment, a.tags
      FROM usage_events e JOIN usage_dims d ON d.id = e.dim_id ${DIMS_VALUES} ORDER BY e.natural_key`).all();
  } finally {
    db.close();
  }
}

describe('a growing file stores only complete records (issue 28)', () => {
  const bytes = Buffer.from(LOG);
  const at = (text: string, offset = 0) => bytes.indexOf(Buffer.from(text)) + offset;
  const cuts = [
    at('2026-10-01T01') - 30, // mid-cell: `"offline-` of row 1's quoted tag
    at('offline-eval') + 8,
    at('multi') + 3, // inside a quoted cell, before its line feed
    at('line, quoted') + 2, // inside the quoted cell, after its line feed
    at('chloé') + 4, // between the two bytes of é
    at('résumé') + 2, // between the two bytes of é
    at('offline-batch') + 8, // `offline-` of the last row, unquoted
    at('2026-10-03') + 4,
    bytes.length - 1, // all but the last line feed
    bytes.length,
  ].sort((a, b) => a - b);

  it('reads the file at ten cut points into the ledger one read of the whole file makes', async () => {
    const whole = workspace();
    writeFileSync(join(whole.dir, 'log.csv'), bytes);
    assert.equal((await ingest(whole.ledger, join(whole.dir, 'log.csv'))).code, 0);
    const expected = events(whole.ledger);
    assert.equal(expected.length, 4);

    const growing = workspace();
    const file = join(growing.dir, 'log.csv');
    for (const cut of cuts) {
      writeFileSync(file, bytes.subarray(0, cut));
      const read = await ingest(growing.ledger, file);
      assert.equal(read.code, 0, `cut at ${cut}: ${read.stderr}`);
      if (cut < bytes.length) assert.match(read.stdout, /; last line incomplete \(line \d+\): left for the next read \(--complete if the file is whole\)\n$/, `cut at ${cut}`);
      else assert.doesNotMatch(read.stdout, /incomplete/);
    }
    assert.deepEqual(events(growing.ledger), expected);
  });

  it('--complete reads a last line without a line end; a header-only re-read adds no batch', async () => {
    const { dir, ledger } = workspace();
    const file = join(dir, 'log.csv');
    writeFileSync(file, LOG.trimEnd());
    const held = await ingest(ledger, file);
    assert.match(held.stdout, /3 rows read, 3 stored, 0 duplicate, 0 rejected; last line incomplete \(line 6\)/);
    const complete = await ingest(ledger, file, '--complete');
    assert.match(complete.stdout, /1 rows read|4 rows read, 1 stored, 3 duplicate/);
    assert.equal(events(ledger).length, 4);
  });

  it('keeps the audit trail whole: --allow-closed recorded, no batch for bytes that store nothing again, no stale rejects file', async () => {
    const { dir, ledger } = workspace();
    const header = LOG.split('\n')[0]!;
    const file = join(dir, 'log.csv');
    writeFileSync(file, `${header}\n`);
    await ingest(ledger, file);
    const again = await ingest(ledger, file);
    assert.match(again.stdout, /: no batch added \(nothing new since batch 1 read the same bytes\) \(csv\): 0 rows read, 0 stored, 0 duplicate, 0 rejected\n$/);
    writeFileSync(file, `${header}\nnot-a-time,x1,,erin,search,,gpt-4o,5,5,1,ok,,prod,\n`);
    assert.equal((await ingest(ledger, file)).code, 1);
    assert.ok(existsSync(`${file}.rejects.csv`));
    writeFileSync(file, `${header}\n2026-10-05T00:00:00Z,x1,,erin,search,,gpt-4o,5,5,1,ok,,prod,\n`);
    const clean = await ingest(ledger, file);
    assert.equal(clean.code, 0, clean.stderr);
    assert.ok(!existsSync(`${file}.rejects.csv`), 'the stale rejects file is gone');
    const closed = await main2(ledger, ['compute', '-m', '2026-10', '-r', fixture('golden/ratecard.yaml'), '--close']);
    assert.match(closed.stdout, /2026-10 closed on run 1/, closed.stderr);
    writeFileSync(file, `${header}\n2026-10-06T00:00:00Z,x2,,erin,search,,gpt-4o,5,5,1,ok,,prod,\n`);
    await ingest(ledger, file, '--allow-closed');
    const batches = JSON.parse((await main2(ledger, ['batches', '-f', 'json'])).stdout) as { batch: number; options: Record<string, unknown> }[];
    assert.deepEqual(batches.map((b) => b.batch), [1, 2, 3, 4]);
    assert.deepEqual(batches[3]!.options, { format: 'csv', 'allow-closed': true });
    assert.match((await main2(ledger, ['batches', '--wide'])).stdout, /--allow-closed/);
  });
});
