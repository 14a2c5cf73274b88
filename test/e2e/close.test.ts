import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import { chargeback, fixture, workspace } from './cli.js';

const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';

describe('month close (SPEC §5)', () => {
  it('keeps a closed month byte-identical under later ingests; allowed late rows give exact adjustments', () => {
    const { dir } = workspace();
    const card = fixture('golden/ratecard.yaml');
    chargeback(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    const close = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', card, '--close']);
    assert.equal(close.code, 0, close.stderr);
    assert.match(close.stdout, /2026-10 closed on run 1: later rows dated in it are refused unless --allow-closed/);
    const closedStatement = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;

    // A late file: two October rows (refused) and one November row (kept).
    writeFileSync(join(dir, 'late.csv'), `${HEADER}
2026-10-20T10:00:00Z,late1,,erin,search,,llama-3-70b,5000,1000,1,ok,,prod
2026-10-21T10:00:00Z,late2,,bob,support,,bge-large,10,0,1,ok,,prod
2026-11-02T10:00:00Z,late3,,erin,search,,llama-3-70b,5,5,1,ok,,prod
`);
    const refused = chargeback(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /3 rows read, 1 stored, 0 duplicate, 2 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /,2,"field ""timestamp"": dated in 2026-10, closed by run 1: ingest with --allow-closed to add it"/);
    assert.equal(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout, closedStatement);

    const allowed = chargeback(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway', '--allow-closed']);
    assert.match(allowed.stdout, /3 rows read, 2 stored, 1 duplicate, 0 rejected/);
    assert.equal(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout, closedStatement, 'no recompute yet: still the closed run');

    const recompute = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', card]);
    assert.equal(recompute.code, 0, recompute.stderr);
    assert.match(recompute.stdout, /2026-10 is closed on run 1; adjustments against it:\n( {2}CC-\d+: [+-]\d+\.\d\d\n)+/);
    const adjustments = [...recompute.stdout.matchAll(/^ {2}(CC-\d+): ([+-]\d+\.\d\d)$/gm)].map((m) => new Decimal(m[2]!));
    const total = (csv: string) => csv.trim().split('\n').slice(1).reduce((s, row) => s.plus(row.split(',')[8]!), new Decimal(0));
    const recomputed = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    // Pool costs are fixed, so the total does not move; the adjustments only shift cost between centres.
    assert.equal(adjustments.reduce((s, a) => s.plus(a), new Decimal(0)).toFixed(2), total(recomputed).minus(total(closedStatement)).toFixed(2));
    assert.ok(adjustments.length >= 2);
    assert.equal(JSON.parse(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'json']).stdout).run, 2);
    assert.match(chargeback(dir, ['runs', '--month', '2026-10']).stdout, /Runs 2026-10 \(closed on run 1\)[\s\S]*│ 1 +│.*│ yes +│ yes +│/);
  });

  it('refuses to close a month twice', () => {
    const { dir } = workspace();
    chargeback(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml'), '--close']);
    const again = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml'), '--close']);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, 'chargeback: 2026-10 is already closed, on run 1\n');
  });
});
