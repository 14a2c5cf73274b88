import assert from 'node:assert/strict';
import { DIMS_VALUES } from '../../src/ledger/usage-writer.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openLedger } from '../../src/ledger/open.js';
import { PG_MIGRATIONS, SQLITE_VERSION_MATCHED } from '../../src/ledger/postgresql/schema.js';
import { asPg } from '../../src/ledger/postgresql/engine.js';
import { beginPgBatch, pgUsageWriter } from '../../src/ledger/postgresql/usage-writer.js';
import { connectSync } from '../../src/ledger/postgresql/sync-client.js';
import { chargeback, fixture, inProcess, startChargeback, workspace, type Run } from './cli.js';
import { startCluster, type Cluster } from './pg-cluster.js';
import type { AlertMessage } from '../../src/domain/alerts.js';
import { Decimal } from '../../src/domain/money.js';
import { DeliveryFailed, sendAlerts, type Delivery } from '../../src/cli/notify.js';
import { claimAlert, sentAlerts } from '../../src/ledger/alerts.js';
import { mulberry32 } from '../bench/generate.js';

/*
 * PostgreSQL as a ledger (issue 20), on a real throwaway cluster: random ledgers give
 * byte-identical books on both backends, and four hosts ingesting overlapping files at
 * once, with a compute in the middle, store every row once and reconcile.
 */

const CARD = fixture('spec-example/ratecard.yaml');
const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';

/**
 * `count` gateway rows of October 2026 and its edges: users and teams of every centre and
 * none, the card's models, errors, the first and last days and the days just outside,
 * request ids from a space small enough that some repeat.
 */
function gatewayRows(seed: number, count: number): string[] {
  const next = mulberry32(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  const start = Date.UTC(2026, 8, 30);
  const span = Date.UTC(2026, 10, 2) - start;
  return Array.from({ length: count }, () => {
    const ts = new Date(start + Math.floor(next() * span / 1000) * 1000).toISOString().replace('.000', '');
    const team = pick(['search', 'search-eval', 'growth', 'ads', '']);
    const user = pick(['alice', 'bob', 'erin', 'bot@example.com', 'dan', `u${Math.floor(next() * 40)}`]);
    const project = pick(['', '', 'helpdesk', 'atlas']);
    const model = pick(['llama-3-70b', 'llama-3-8b', 'gpt-4o']);
    const status = next() < 0.1 ? 'error' : 'ok';
    return [ts, `q${seed}-${Math.floor(next() * count * 2)}`, '', user, team, project, model, Math.floor(next() * 2_000_000),
      Math.floor(next() * 500_000), Math.floor(next() * 3000), status, pick(['standard', 'batch']), pick(['prod', 'dev'])].join(',');
  });
}

function writeGateway(path: string, rows: readonly string[]): string {
  writeFileSync(path, `${HEADER}\n${rows.join('\n')}\n`);
  return path;
}

/** What a user reads of a month's books: every view that finance and engineers use. */
const BOOKS: readonly string[][] = [
  ['statement', '-m', '2026-10', '-f', 'csv'],
  ['statement', '-m', '2026-10', '-f', 'json'],
  ['export', 'erp', '-m', '2026-10'],
  ['explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '-f', 'json'],
  ['budgets', '-m', '2026-10', '-r', CARD, '-f', 'json'],
  ['metrics', '-m', '2026-10', '-r', CARD, '--as-of', '2026-10-20'],
  ['runs', '-m', '2026-10', '-f', 'json'],
];

const outcome = (run: Run) => ({ code: run.code, stdout: run.stdout, stderr: run.stderr });

describe('PostgreSQL ledger (issue 20)', () => {
  let cluster: Cluster;
  let databases = 0;
  /** A new empty database of the cluster, as a ledger URL. */
  const newDatabase = () => {
    const name = `ledger_${++databases}`;
    const admin = connectSync(cluster.url);
    try {
      admin.query(`CREATE DATABASE ${name}`);
    } finally {
      admin.close();
    }
    return cluster.url.replace(/\/postgres$/, `/${name}`);
  };
  before(async () => {
    cluster = await startCluster();
  });
  after(() => cluster?.stop());

  it('makes the schema once when several hosts run init at once (advisory lock), and only init makes it', async () => {
    const { dir } = workspace();
    const url = newDatabase();
    const untouched = chargeback(dir, ['--ledger', url, 'status']);
    assert.equal(untouched.code, 2);
    assert.equal(untouched.stderr, `chargeback: no ledger at ${url}: run chargeback init --ledger ${url}\n`);
    const inits = await Promise.all([1, 2, 3].map(() => startChargeback(dir, ['--ledger', url, 'init']).done));
    for (const init of inits) assert.equal(init.code, 0, init.stderr);
    const db = connectSync(url);
    try {
      assert.deepEqual(db.query('SELECT version FROM chargeback_schema').rows, [{ version: PG_MIGRATIONS.length }]);
    } finally {
      db.close();
    }
  });

  it('sends a budget alert once from two hosts: one claim wins, a failed send is given back, a sent one is never claimed again (issue 35)', async () => {
    const url = newDatabase();
    openLedger(url, { create: true }).close();
    const [a, b] = [openLedger(url, { create: false }), openLedger(url, { create: false })];
    try {
      const alert = { month: '2026-10', costCentre: 'CC-4100', kind: 'spend' as const, threshold: new Decimal(80) };
      const message = { text: 't' } as AlertMessage;
      const delivered: string[] = [];
      const delivery = (host: string, fail = false): Delivery => ({ target: host, timeoutMs: 1000, send: async () => {
        if (fail) throw new DeliveryFailed('answered HTTP 500');
        delivered.push(host);
      } });
      const now = () => new Date('2026-10-20T00:00:00Z');
      assert.deepEqual((await sendAlerts(a, [{ alert, message }], delivery('a', true), now)).failed.length, 1);
      assert.deepEqual(sentAlerts(a), []);
      await sendAlerts(b, [{ alert, message }], delivery('b'), now);
      await sendAlerts(a, [{ alert, message }], delivery('a'), now);
      assert.deepEqual(delivered, ['b']);
      assert.deepEqual(sentAlerts(a).map((s) => [s.costCentre, s.kind, s.threshold, s.target]), [['CC-4100', 'spend', '80', 'b']]);
      const row = { month: '2026-10', costCentre: 'CC-4100', kind: 'forecast' as const, threshold: '100' };
      assert.equal(claimAlert(a, row, 'one', '2026-10-20T00:00:00.000Z', '2026-10-19T23:58:00.000Z'), true);
      assert.equal(claimAlert(b, row, 'two', '2026-10-20T00:00:01.000Z', '2026-10-19T23:58:01.000Z'), false);
    } finally {
      a.close();
      b.close();
    }
  });

  it('finds every event its dims row when the writer forgets what it remembered mid-batch', () => {
    const ledger = asPg(openLedger(newDatabase(), { create: true }));
    try {
      beginPgBatch(ledger, new Date('2026-10-15T00:00:00Z'));
      // Remembers 3 dims rows; chunks of 4 users, each sharing users with the last.
      const writer = pgUsageWriter(ledger, 1, 3);
      const event = (n: number, user: string) => ({ key: `k${n}`, event: { tsMs: Date.UTC(2026, 9, 2) + n, model: 'm', user, inputTokens: n, outputTokens: 1,
        cachedInputTokens: 0, status: 'ok' as const, tags: {} } });
      let stored = 0;
      for (let chunk = 0; chunk < 5; chunk++) stored += writer.insert([0, 1, 2, 3].map((i) => event(chunk * 4 + i, `u${chunk + i}`)));
      stored += writer.finish();
      ledger.exec('COMMIT');
      assert.equal(stored, 20);
      assert.equal(ledger.prepare(`SELECT COUNT(DISTINCT i.user_name) FROM usage_dims d ${DIMS_VALUES}`).pluck().get(), 8);
      assert.equal(ledger.prepare('SELECT CAST(SUM(input_tokens) AS BIGINT) FROM usage_daily').pluck().get(), 190);
    } finally {
      ledger.close();
    }
  });

  it('migrates a version-14 ledger in place: dims rows keep their ids as interned pairs, and new rows number after them (issue 30)', () => {
    const url = newDatabase();
    const db = connectSync(url);
    try {
      db.query('CREATE TABLE chargeback_schema (version INTEGER NOT NULL)');
      // The PostgreSQL schema as SQLite's version 14 matched it: every step before version 15.
      const version14 = PG_MIGRATIONS.length - (SQLITE_VERSION_MATCHED - 14);
      for (const step of PG_MIGRATIONS.slice(0, version14)) db.query(step);
      db.query('INSERT INTO chargeback_schema (version) VALUES ($1)', [version14]);
      const dims = [[5, 'sha256:aaaa', 'ann', 'search', 'm1', '{}'], [9, 'sha256:aaaa', 'ann', 'search', 'm2', '{"feature":"chat"}'], [12, '', 'bob', '', 'm1', '{}']];
      for (const [id, fp, user, team, model, tags] of dims) {
        db.query(`INSERT INTO usage_dims (id, key_hash, api_key_fp, api_key_last4, user_name, team, project, model, tier, environment, tags)
          VALUES ($1, $1, $2, '', $3, $4, '', $5, '', '', $6)`, [id, fp, user, team, model, tags]);
      }
    } finally {
      db.close();
    }
    const ledger = asPg(openLedger(url, { create: false }));
    try {
      assert.deepEqual(ledger.prepare(`SELECT d.id, i.api_key_fp, i.user_name, a.model FROM usage_dims d ${DIMS_VALUES} ORDER BY d.id`).raw().all()
        .map((row) => (row as unknown[]).map(String)), [['5', 'sha256:aaaa', 'ann', 'm1'], ['9', 'sha256:aaaa', 'ann', 'm2'], ['12', '', 'bob', 'm1']]);
      assert.equal(Number(ledger.prepare('SELECT COUNT(*) FROM usage_identities').pluck().get()), 2);
      beginPgBatch(ledger, new Date('2026-10-15T00:00:00Z'));
      const writer = pgUsageWriter(ledger, 1);
      const event = (user: string, model: string) => ({ key: `k-${user}-${model}`, event: { tsMs: Date.UTC(2026, 9, 2), model, user, team: 'search',
        apiKeyFp: 'sha256:aaaa', inputTokens: 1, outputTokens: 1, cachedInputTokens: 0, status: 'ok' as const, tags: { feature: 'chat' } } });
      assert.equal(writer.insert([event('ann', 'm2'), event('cy', 'm2')]) + writer.finish(), 2);
      ledger.exec('COMMIT');
      // The known pair finds its row; the new one numbers after the kept ids (an insert that
      // finds its row there may still use up a number: ids have gaps, never repeats).
      const [known, added] = ledger.prepare('SELECT dim_id FROM usage_events ORDER BY natural_key').pluck().all().map(Number);
      assert.equal(known, 9);
      assert.ok(added! > 12, `new dims row ${added}`);
    } finally {
      ledger.close();
    }
  });

  it('names a server it cannot reach in one line, exit 2, never printing a password', () => {
    const { dir } = workspace();
    const down = chargeback(dir, ['--ledger', 'postgresql://finance:s3cret@127.0.0.1:1/books', 'statement', '-m', '2026-10']);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /^chargeback: postgresql:\/\/finance:\*\*\*@127\.0\.0\.1:1\/books: connect ECONNREFUSED[^\n]*\n$/);
    assert.doesNotMatch(down.stderr + down.stdout, /s3cret/);
  });

  it('a role that may only SELECT runs every read command; a write refuses in one line (issue 31)', () => {
    const { dir } = workspace();
    const url = newDatabase();
    assert.equal(chargeback(dir, ['--ledger', url, 'init']).code, 0);
    assert.equal(chargeback(dir, ['--ledger', url, 'ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']).code, 0);
    assert.equal(chargeback(dir, ['--ledger', url, 'compute', '-m', '2026-10', '-r', fixture('spec-example/ratecard.yaml')]).code, 0);
    const admin = connectSync(url);
    try {
      admin.query("CREATE ROLE finance_reader LOGIN PASSWORD 'r3ader'");
      admin.query('GRANT SELECT ON ALL TABLES IN SCHEMA public TO finance_reader');
    } finally {
      admin.close();
    }
    const reader = url.replace('postgresql://postgres@', 'postgresql://finance_reader:r3ader@');
    for (const args of [['status'], ['batches'], ['runs'], ['statement', '-m', '2026-10'], ['explain', '-m', '2026-10', '--cost-centre', 'CC-4100'], ['report', '-m', '2026-10', '-o', 'r.html'], ['runs', '--verify', '1']]) {
      const read = chargeback(dir, ['--ledger', reader, ...args]);
      assert.equal(read.code, 0, `${args.join(' ')}: ${read.stderr}`);
    }
    const write = chargeback(dir, ['--ledger', reader, 'ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    assert.equal(write.code, 2);
    assert.equal(write.stderr.trim().split('\n').length, 1, write.stderr);
    assert.match(write.stderr, /permission denied/);
    assert.doesNotMatch(write.stderr, /r3ader/);
  });

  it('gives byte-identical books on SQLite and PostgreSQL for random ledgers', async () => {
    for (const seed of [1, 2, 3, 4]) {
      const { dir, ledger: file } = workspace();
      const url = newDatabase();
      const rows = gatewayRows(seed, 400 + seed * 150);
      // Two overlapping files: the overlap is stored once on both.
      const files = [writeGateway(join(dir, 'a.csv'), rows.slice(0, rows.length * 0.7)), writeGateway(join(dir, 'b.csv'), rows.slice(rows.length * 0.4))];
      // In this process (main(), as the CLI runs it): some 80 commands, each a child process, took most of this file's time.
      const on = (ledger: string, args: readonly string[]) => inProcess(ledger)(...args);
      assert.equal((await on(url, ['init'])).code, 0);
      const steps = [
        ...files.map((f) => ['ingest', f, '--source', 'gateway']),
        ['ingest', fixture('data/focus/focus-spec_ai_multi_model_usage.csv'), '--source', 'billing'],
        ['compute', '-m', '2026-10', '-r', CARD, '--close'],
        ...BOOKS,
      ];
      for (const step of steps) {
        const [sqlite, postgresql] = [await on(file, step), await on(url, step)];
        assert.ok(sqlite.code <= 1, `seed ${seed}: ${step.join(' ')}: ${sqlite.stderr}`);
        // Names of the ledger and the times runs were made differ; nothing else may.
        const named = (text: string) => text.replaceAll(file, 'LEDGER').replaceAll(url, 'LEDGER').replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/g, 'TIME')
          .replace(/^(chargeback_last_ingest_timestamp_seconds\{[^}]*\}) \S+$/gm, '$1 TIME');
        assert.deepEqual({ ...outcome(postgresql), stdout: named(postgresql.stdout), stderr: named(postgresql.stderr) },
          { ...outcome(sqlite), stdout: named(sqlite.stdout), stderr: named(sqlite.stderr) }, `seed ${seed}: ${step.join(' ')}`);
      }
    }
  });

  it('stores through COPY what COPY escapes: backslash, tab and line ends in keys, identities and tags, and a key twice in a file keeps its first copy (issue 30)', () => {
    const { dir, ledger: file } = workspace();
    const url = newDatabase();
    const csv = join(dir, 'odd.csv');
    writeFileSync(csv, 'timestamp,request_id,user,team,model,input_tokens,output_tokens,tag.feature\n' +
      '2026-10-02T00:00:00Z,"r\\1\t",ann\\b,search,llama-3-8b,10,1,"a\tb"\n' +
      '2026-10-02T01:00:00Z,"r\n2",\\N,search,llama-3-8b,20,2,"line\r\nend"\n' +
      '2026-10-02T02:00:00Z,"r\\1\t",ann\\b,search,llama-3-8b,999,999,later copy\n' +
      '2026-10-31T23:59:00Z,r3,"tab\tuser",growth,gpt-4o,30,3,\\.\n');
    const on = (ledger: string, args: readonly string[]) => chargeback(dir, ['--ledger', ledger, ...args]);
    assert.equal(on(url, ['init']).code, 0);
    for (const step of [['ingest', csv, '--source', 'gateway'], ['compute', '-m', '2026-10', '-r', CARD], ['explain', '-m', '2026-10', '--cost-centre', 'CC-0000', '--by', 'tag.feature', '-f', 'json'],
      ['statement', '-m', '2026-10', '-f', 'csv']]) {
      const [sqlite, postgresql] = [on(file, step), on(url, step)];
      const named = (text: string) => text.replaceAll(file, 'LEDGER').replaceAll(url, 'LEDGER');
      assert.deepEqual({ ...outcome(postgresql), stdout: named(postgresql.stdout) }, { ...outcome(sqlite), stdout: named(sqlite.stdout) }, step.join(' '));
    }
    // The rows as stored, byte for byte as SQLite stores them: the first copy of r\\1 and every odd character.
    const query = `SELECT e.natural_key, i.user_name, a.tags, e.input_tokens FROM usage_events e JOIN usage_dims d ON d.id = e.dim_id ${DIMS_VALUES} ORDER BY e.ts_ms`;
    const rowsOf = (path: string) => {
      const ledger = openLedger(path, { create: false });
      try {
        return (ledger.prepare(query).raw().all() as unknown[][]).map((row) => row.map(String));
      } finally {
        ledger.close();
      }
    };
    const stored = rowsOf(url);
    assert.deepEqual(stored, rowsOf(file));
    assert.deepEqual(stored.map((row) => row.slice(1)), [['ann\\b', '{"feature":"a\\tb"}', '10'], ['\\N', '{"feature":"line\\nend"}', '20'], ['tab\tuser', '{"feature":"\\\\."}', '30']]);
  });

  it('stores every row once when four hosts ingest overlapping files at once, with a compute in the middle', async () => {
    const { dir, ledger: file } = workspace();
    const url = newDatabase();
    const rows = gatewayRows(99, 16_000);
    // Four files, each overlapping the next by half; their union is every row.
    const files = [0, 1, 2, 3].map((i) => writeGateway(join(dir, `host-${i}.csv`), rows.slice(i * 3200, i * 3200 + 6400 + (i === 3 ? 6400 : 0))));
    assert.equal(chargeback(dir, ['--ledger', url, 'init']).code, 0);
    const hosts = files.map((f) => startChargeback(dir, ['--ledger', url, 'ingest', f, '--source', 'gateway']));
    await new Promise((resolve) => setTimeout(resolve, 400));
    const middle = startChargeback(dir, ['--ledger', url, 'compute', '-m', '2026-10', '-r', CARD]);
    const ingests = await Promise.all(hosts.map((h) => h.done));
    for (const ingest of ingests) assert.equal(ingest.code, 0, ingest.stderr);
    const mid = await middle.done;
    assert.ok(mid.code <= 1, mid.stderr);

    // Every distinct request is stored once, whichever host stored it.
    const distinct = new Map<string, string>();
    for (const row of rows) if (!distinct.has(row.split(',')[1]!)) distinct.set(row.split(',')[1]!, row);
    const stored = ingests.map((r) => Number(/(\d+) stored/.exec(r.stdout)?.[1] ?? NaN)).reduce((a, b) => a + b, 0);
    assert.equal(stored, distinct.size, ingests.map((r) => r.stdout).join(''));
    const db = connectSync(url);
    let order: string[];
    try {
      // The order the hosts' batches committed in: a request sent twice with different
      // contents keeps the first stored, so a SQLite ledger fed in this order must agree.
      order = db.query('SELECT file_name FROM batches ORDER BY id').rows.map((r) => String(r.file_name));
      assert.equal(Number(db.query('SELECT COUNT(*) AS n FROM usage_events').rows[0]!.n), distinct.size);
      assert.equal(Number(db.query('SELECT COUNT(*) AS n FROM usage_event_keys').rows[0]!.n), distinct.size);
      // The daily sums are the sums of the stored events, counted once.
      const [daily, events] = ['SELECT SUM(input_tokens) AS n FROM usage_daily', "SELECT SUM(input_tokens) AS n FROM usage_events WHERE status = 'ok'"]
        .map((sql) => String(db.query(sql).rows[0]!.n));
      assert.equal(daily, events);
    } finally {
      db.close();
    }

    // The run made in the middle read one consistent snapshot: it recomputes from its batches.
    const midRun = /run (\d+)/.exec(mid.stdout + mid.stderr)?.[1];
    assert.ok(midRun, mid.stdout + mid.stderr);
    const verified = chargeback(dir, ['--ledger', url, 'runs', '--verify', midRun]);
    assert.equal(verified.code, 0, verified.stderr);

    // After the hosts are done, the month reconciles, and its books equal one SQLite ledger's of the same files.
    const final = chargeback(dir, ['--ledger', url, 'compute', '-m', '2026-10', '-r', CARD]);
    assert.ok(final.code <= 1, final.stderr);
    assert.match(final.stdout, /reconciled/);
    for (const f of order) assert.equal(chargeback(dir, ['--ledger', file, 'ingest', f, '--source', 'gateway']).code, 0);
    assert.ok(chargeback(dir, ['--ledger', file, 'compute', '-m', '2026-10', '-r', CARD]).code <= 1);
    for (const view of [['statement', '-m', '2026-10', '-f', 'csv'], ['export', 'erp', '-m', '2026-10']]) {
      // The ERP document is named by run id, and PostgreSQL has one more run (the one made in the middle).
      const [pg, sqlite] = [url, file].map((ledger) => chargeback(dir, ['--ledger', ledger, ...view]).stdout.replace(/chargeback-run-\d+/g, 'chargeback-run-N'));
      assert.equal(pg, sqlite, view.join(' '));
    }
  });

  it('keeps a month closed while another host ingests: the batch waits for the close, then refuses the month', async () => {
    const { dir } = workspace();
    const url = newDatabase();
    assert.equal(chargeback(dir, ['--ledger', url, 'init']).code, 0);
    const first = writeGateway(join(dir, 'first.csv'), gatewayRows(7, 300));
    assert.equal(chargeback(dir, ['--ledger', url, 'ingest', first, '--source', 'gateway']).code, 0);
    const late = writeGateway(join(dir, 'late.csv'), gatewayRows(8, 20_000));
    const [close, ingest] = [
      startChargeback(dir, ['--ledger', url, 'compute', '-m', '2026-10', '-r', CARD, '--close']),
      startChargeback(dir, ['--ledger', url, 'ingest', late, '--source', 'gateway']),
    ];
    const [closed, ingested] = await Promise.all([close.done, ingest.done]);
    assert.ok(closed.code <= 1, closed.stderr);
    // Either the batch committed first (the close then counts it) or it came after the close
    // and its October rows were refused: never rows of a closed month that its run did not read.
    const db = connectSync(url);
    try {
      const run = db.query('SELECT run_id FROM closed_months WHERE month = $1', ['2026-10']).rows[0] as { run_id: number };
      const read = JSON.parse(String(db.query('SELECT batch_ids FROM runs WHERE id = $1', [run.run_id]).rows[0]!.batch_ids)) as number[];
      const inMonth = db.query(`SELECT DISTINCT batch_id FROM usage_events WHERE ts_ms >= $1 AND ts_ms < $2`,
        [Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1)]).rows.map((r) => Number(r.batch_id));
      for (const batch of inMonth) assert.ok(read.includes(batch), `batch ${batch} has October rows the closed run did not read (ingest: ${ingested.stdout}${ingested.stderr})`);
    } finally {
      db.close();
    }
  });
});
