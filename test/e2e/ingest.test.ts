import { fingerprintKey } from '../../src/secrets.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BIN, chargeback, fixture, startChargeback, workspace } from './cli.js';

const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';

/** Rows r<from>..r<to-1>, deterministic, spread over October 2026. */
function rows(from: number, to: number, key = 'sk-test-secret-9876'): string[] {
  const out: string[] = [];
  for (let i = from; i < to; i++) {
    const day = String((i % 28) + 1).padStart(2, '0');
    out.push(`2026-10-${day}T10:00:00Z,r${i},${key},user${i % 7},team${i % 3},,llama,${100 + (i % 50)},${i % 20},5,ok,,prod`);
  }
  return out;
}

function writeCsv(path: string, lines: string[]): string {
  writeFileSync(path, `${HEADER}\n${lines.join('\n')}\n`);
  return path;
}

type Batch = { batch: number; rows_read: number; rows_stored: number; rows_duplicate: number; rows_rejected: number; sha256: string };
const batches = (dir: string): Batch[] => JSON.parse(chargeback(dir, ['batches', '--format', 'json']).stdout) as Batch[];
const stored = (dir: string) => batches(dir).reduce((n, b) => n + b.rows_stored, 0);

describe('ingest guarantees (SPEC §3)', () => {
  it('the same bytes twice: the second ingest is a no-op that says so', () => {
    const { dir } = workspace();
    const file = writeCsv(join(dir, 'a.csv'), rows(0, 50));
    assert.equal(chargeback(dir, ['ingest', file, '--source', 'gateway']).code, 0);
    const again = chargeback(dir, ['ingest', file, '--source', 'gateway']);
    assert.equal(again.code, 0);
    assert.match(again.stdout, /already ingested as batch 1 \(same bytes and options, sha256 [0-9a-f]{12}\); nothing to do/);
    assert.equal(batches(dir).length, 1);
    assert.equal(stored(dir), 50);
  });

  it('an overlapping file: rows already in the ledger are counted as duplicates, not stored again', () => {
    const { dir } = workspace();
    chargeback(dir, ['ingest', writeCsv(join(dir, 'a.csv'), rows(0, 60)), '--source', 'gateway']);
    const second = chargeback(dir, ['ingest', writeCsv(join(dir, 'b.csv'), rows(40, 100)), '--source', 'gateway']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /batch 2 \(csv\): 60 rows read, 40 stored, 20 duplicate, 0 rejected/);
    assert.equal(stored(dir), 100);
  });

  it('rows without a request_id are keyed by their whole content', () => {
    const { dir } = workspace();
    const noIds = rows(0, 30).map((r) => r.replace(/,r\d+,/, ',,'));
    chargeback(dir, ['ingest', writeCsv(join(dir, 'a.csv'), noIds.slice(0, 20)), '--source', 'gateway']);
    const second = chargeback(dir, ['ingest', writeCsv(join(dir, 'b.csv'), noIds.slice(10)), '--source', 'gateway']);
    assert.match(second.stdout, /20 rows read, 10 stored, 10 duplicate/);
  });

  it('bad rows go to FILE.rejects.csv with line and reason; good rows are kept; exit 1', () => {
    const { dir } = workspace();
    const lines = rows(0, 5);
    lines.splice(2, 0, '2026-10-03T10:00:00Z,bad1,k,alice,,,llama,12.5,1,,ok,,');
    lines.push('2026-10-03T10:00:00,bad2,k,alice,,,llama,1,1,,ok,,');
    const file = writeCsv(join(dir, 'usage.csv'), lines);
    const run = chargeback(dir, ['ingest', file, '--source', 'gateway']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /7 rows read, 5 stored, 0 duplicate, 2 rejected \(see .*usage\.csv\.rejects\.csv\)/);
    assert.equal(run.stderr, 'chargeback: 2 rows rejected: see the rejects file named above\n');
    const rejects = readFileSync(`${file}.rejects.csv`, 'utf8').trim().split('\n');
    assert.equal(rejects[0], `${HEADER},line,reason`);
    // The raw key "k" is kept as its fingerprint, as the ledger keeps it (issue 13).
    assert.equal(rejects[1], `2026-10-03T10:00:00Z,bad1,${fingerprintKey('k')},alice,,,llama,12.5,1,,ok,,,4,"field ""input_tokens"": expected a whole number, got ""12.5"""`);
    assert.match(rejects[2] ?? '', /^2026-10-03T10:00:00,bad2,.*,8,"field ""timestamp"": expected an ISO 8601 time with an offset or Z/);
    assert.equal(stored(dir), 5);
    assert.equal(batches(dir)[0]?.rows_rejected, 2);
  });

  it('--strict: one bad row fails the whole batch, nothing is stored, exit 2', () => {
    const { dir } = workspace();
    chargeback(dir, ['ingest', writeCsv(join(dir, 'first.csv'), rows(0, 10)), '--source', 'gateway']);
    const lines = rows(10, 20);
    lines.splice(3, 0, '2026-10-03T10:00:00Z,bad,k,alice,,,,1,1,,ok,,');
    const file = writeCsv(join(dir, 'usage.csv'), lines);
    const run = chargeback(dir, ['ingest', file, '--source', 'gateway', '--strict', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: .*usage\.csv:5: field "model": missing \(--strict: 1 row rejected, listed in .*r\.csv; nothing was stored\)\n$/);
    assert.equal(batches(dir).length, 1);
    assert.equal(stored(dir), 10);
    assert.ok(existsSync(join(dir, 'r.csv')));
  });

  it('reads standard input for -, and knows the same bytes again', () => {
    const { dir } = workspace();
    const text = `${HEADER}\n${rows(0, 25).join('\n')}\n`;
    const first = chargeback(dir, ['ingest', '-', '--source', 'gateway'], text);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^stdin: batch 1 \(csv\): 25 rows read, 25 stored/);
    const again = chargeback(dir, ['ingest', '-', '--source', 'gateway'], text);
    assert.match(again.stdout, /^stdin: already ingested as batch 1/);
    assert.equal(batches(dir)[0]?.sha256.length, 64);
  });

  it('never stores a raw API key: only its fingerprint and last four characters', () => {
    const { dir, ledger } = workspace();
    chargeback(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    chargeback(dir, ['ingest', writeCsv(join(dir, 'a.csv'), rows(0, 20, 'sk-live-VERYSECRET-abcd')), '--source', 'gateway']);
    for (const file of [ledger, `${ledger}-wal`].filter(existsSync)) {
      const bytes = readFileSync(file);
      for (const secret of ['sk-golden-search-1111', 'sk-live-VERYSECRET', 'VERYSECRET']) {
        assert.equal(bytes.includes(secret), false, `${file} contains ${secret}`);
      }
    }
    const statement = chargeback(dir, ['batches']).stdout;
    assert.doesNotMatch(statement, /VERYSECRET/);
  });

  it('gives a byte-identical statement whatever order the rows were ingested in', () => {
    const golden = readFileSync(fixture('golden/gateway.csv'), 'utf8').trim().split('\n');
    const [header, ...body] = golden;
    const { dir } = workspace();
    const reversed = [...body].reverse();
    writeFileSync(join(dir, 'part1.csv'), `${header}\n${reversed.slice(0, 5).join('\n')}\n`);
    writeFileSync(join(dir, 'part2.csv'), `${header}\n${reversed.slice(5).join('\n')}\n`);
    chargeback(dir, ['ingest', join(dir, 'part2.csv'), join(dir, 'part1.csv'), '--source', 'gateway']);
    assert.equal(chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml')]).code, 0);
    const statement = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    assert.equal(statement, readFileSync(fixture('golden/statement-2026-10.csv'), 'utf8'));
  });
});

describe('ingest under stress', () => {
  it('a process killed (SIGKILL) in the middle of a large ingest leaves the ledger exactly as before', async () => {
    const { dir, ledger } = workspace();
    chargeback(dir, ['ingest', writeCsv(join(dir, 'small.csv'), rows(0, 100)), '--source', 'gateway']);
    chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', writeCard(dir)]);
    const before = { batches: batches(dir), statement: chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout };

    const big = writeCsv(join(dir, 'big.csv'), rows(100, 400_100));
    const { child, done } = startChargeback(dir, ['ingest', big, '--source', 'gateway']);
    // Wait until the batch has written a good part of its transaction into the WAL, then kill.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(existsSync(`${ledger}-wal`) && statSync(`${ledger}-wal`).size > 4_000_000)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.ok(child.exitCode === null, 'the ingest was still running when killed');
    child.kill('SIGKILL');
    const killed = await done;
    assert.equal(killed.code, -1);

    assert.deepEqual(batches(dir), before.batches);
    chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', writeCard(dir)]);
    assert.equal(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout, before.statement);
    const after = chargeback(dir, ['ingest', writeCsv(join(dir, 'next.csv'), rows(50, 150)), '--source', 'gateway']);
    assert.match(after.stdout, /100 rows read, 50 stored, 50 duplicate/);
    assert.equal(existsSync(`${big}.rejects.csv`), false);
  });

  it('two ingests of overlapping files started at once both finish, every row stored once', async () => {
    const { dir } = workspace();
    chargeback(dir, ['init']);
    const a = writeCsv(join(dir, 'a.csv'), rows(0, 30_000));
    const b = writeCsv(join(dir, 'b.csv'), rows(15_000, 45_000));
    const [one, two] = await Promise.all([
      startChargeback(dir, ['ingest', a, '--source', 'gateway']).done,
      startChargeback(dir, ['ingest', b, '--source', 'gateway']).done,
    ]);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    const all = batches(dir);
    assert.equal(all.length, 2);
    assert.equal(stored(dir), 45_000);
    assert.equal(all.reduce((n, x) => n + x.rows_duplicate, 0), 15_000);
  });
});

function writeCard(dir: string): string {
  const path = join(dir, 'card.yaml');
  writeFileSync(path, `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, name: One, match: { team: [team1] } }
pools:
  - { id: p, cost: { fixed: "100.00" }, method: proportional, driver: tokens }
`);
  return path;
}

describe('ingest output', () => {
  it('in cron (no terminal) prints one summary line per file and nothing on stderr', () => {
    const { dir } = workspace();
    const run = chargeback(dir, ['ingest', writeCsv(join(dir, 'a.csv'), rows(0, 30_000)), '--source', 'gateway']);
    assert.equal(run.code, 0);
    assert.equal(run.stderr, '');
    assert.equal(run.stdout.split('\n').length, 2);
    assert.match(run.stdout, /^.*a\.csv: batch 1 \(csv\): 30000 rows read, 30000 stored, 0 duplicate, 0 rejected\n$/);
  });

  const script = spawnSync('script', ['--version']).status === 0;
  it('on a terminal shows rows and rows/s while it reads', { skip: script ? false : 'util-linux "script" is not installed' }, () => {
    const { dir } = workspace();
    const file = writeCsv(join(dir, 'a.csv'), rows(0, 200_000));
    const run = spawnSync('script', ['-qec', `${process.execPath} ${BIN} ingest ${file} --source gateway`, '/dev/null'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db') },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /\ra\.csv: [\d,]+ rows, [\d,]+ rows\/s|\r.*a\.csv: [\d,]+ rows, [\d,]+ rows\/s/);
    assert.match(run.stdout, /200000 rows read, 200000 stored/);
  });
});
