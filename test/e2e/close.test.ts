import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { cliIn, fixture, workspace } from './cli.js';

const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';

describe('month close (SPEC §5)', () => {
  it('keeps a closed month byte-identical under later ingests; allowed late rows give exact adjustments', async () => {
    const { dir } = workspace();
    const card = fixture('golden/ratecard.yaml');
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    const close = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card, '--close']);
    assert.equal(close.code, 0, close.stderr);
    assert.match(close.stdout, /2026-10 closed on run 1: later rows dated in it are refused unless --allow-closed/);
    const closedStatement = (await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv'])).stdout;

    // A late file: two October rows (refused) and one November row (kept).
    writeFileSync(join(dir, 'late.csv'), `${HEADER}
2026-10-20T10:00:00Z,late1,,erin,search,,llama-3-70b,5000,1000,1,ok,,prod
2026-10-21T10:00:00Z,late2,,bob,support,,bge-large,10,0,1,ok,,prod
2026-11-02T10:00:00Z,late3,,erin,search,,llama-3-70b,5,5,1,ok,,prod
`);
    const refused = await cliIn(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stdout, /3 rows read, 1 stored, 0 duplicate, 2 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /,2,"field ""timestamp"": dated in 2026-10, closed by run 1: ingest with --allow-closed to add it"/);
    assert.equal((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv'])).stdout, closedStatement);

    const allowed = await cliIn(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway', '--allow-closed']);
    assert.match(allowed.stdout, /3 rows read, 2 stored, 1 duplicate, 0 rejected/);
    assert.equal((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv'])).stdout, closedStatement, 'no recompute yet: still the closed run');

    const recompute = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card]);
    assert.equal(recompute.code, 0, recompute.stderr);
    assert.match(recompute.stdout, /2026-10 is closed: run 2 adjusts the books so far \(run 1\); adjustments against it:\n( {2}CC-\d+: [+-]\d+\.\d\d\n)+/);
    const adjustments = [...recompute.stdout.matchAll(/^ {2}(CC-\d+): ([+-]\d+\.\d\d)$/gm)].map((m) => new Decimal(m[2]!));
    const total = (csv: string) => csv.trim().split('\n').slice(1).reduce((s, row) => s.plus(row.split(',')[8]!), new Decimal(0));
    const books = await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv']);
    assert.equal(books.stdout, closedStatement, 'the closed run stays the books');
    assert.equal(books.stderr, 'note: 2026-10 is closed: this is run 1, the books; run 2 adjusts them (statement --run 2, export erp --adjustments)\n');
    const recomputed = (await cliIn(dir, ['statement', '--month', '2026-10', '--run', '2', '--format', 'csv'])).stdout;
    // Pool costs are fixed, so the total does not move; the adjustments only shift cost between centres.
    assert.equal(adjustments.reduce((s, a) => s.plus(a), new Decimal(0)).toFixed(2), total(recomputed).minus(total(closedStatement)).toFixed(2));
    assert.ok(adjustments.length >= 2);
    assert.equal(JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout).run, 1);
    assert.match((await cliIn(dir, ['runs', '--month', '2026-10', '--wide'])).stdout, /Runs 2026-10 \(closed on run 1; closed, its journal not exported: export erp -m 2026-10\)[\s\S]*│ 1 +│.*│ yes +│ closes the month +│[\s\S]*│ 2 +│.*│ yes +│ adjusts run 1 +│/);
  });

  it('refuses to close a month twice', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml'), '--close']);
    const again = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml'), '--close']);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, 'chargeback: 2026-10 is already closed, on run 1\n');
  });

  it('posts the books once: the closed journal plus the adjustment journal equal the latest run, per cost centre', async () => {
    const { dir } = workspace();
    const card = join(dir, 'card.yaml');
    writeFileSync(card, `${readFileSync(fixture('golden/ratecard.yaml'), 'utf8')}\nplatform:\n  cost_centre: CC-PLAT\n  gl_account: "6100"\n`);
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card, '--close'])).code, 0);
    writeFileSync(join(dir, 'late.csv'), `${HEADER}\n2026-10-20T10:00:00Z,late1,,erin,search,,llama-3-70b,5000,1000,1,ok,,prod\n`);
    await cliIn(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway', '--allow-closed']);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card])).code, 0);

    const books = await cliIn(dir, ['export', 'erp', '--month', '2026-10']);
    assert.equal(books.code, 0, books.stderr);
    assert.match(books.stdout, /^2026-10-31,chargeback-run-1,/m);
    assert.doesNotMatch(books.stdout, /chargeback-run-2/);
    const chosenByRun = (await cliIn(dir, ['export', 'erp', '--month', '2026-10', '--run', '2', '--period', '2026-12', '--dry-run'])).stdout;
    const adjustment = await cliIn(dir, ['export', 'erp', '--month', '2026-10', '--adjustments', '--period', '2026-12']);
    assert.equal(adjustment.code, 0, adjustment.stderr);
    assert.match(adjustment.stdout, /^2026-12-31,chargeback-run-2-adjusts-1,6100,CC-4100,/m);
    assert.equal(chosenByRun, adjustment.stdout, 'an adjustment run posts only its differences, however it is chosen');
    const twice = await cliIn(dir, ['export', 'erp', '--month', '2026-10', '--run', '2']);
    assert.equal(twice.code, 0, 'posted once: nothing is left to post');
    assert.equal(twice.stdout, 'posting_date,document,gl_account,cost_centre,debit,credit,currency,memo\n');
    assert.match(twice.stderr, /^warning: nothing to post: run 2's figures are all posted \(chargeback-run-2-adjusts-1, on 20\d\d-\d\d-\d\d to stdout\)\n$/);

    const net = (...journals: string[]) => {
      const totals = new Map<string, Decimal>();
      for (const row of journals.flatMap((j) => j.trim().split('\n').slice(1))) {
        const cells = row.split(',');
        totals.set(cells[3]!, (totals.get(cells[3]!) ?? new Decimal(0)).plus(cells[4]!).minus(cells[5]!));
      }
      return Object.fromEntries([...totals].filter(([, v]) => !v.isZero()).map(([k, v]) => [k, v.toFixed(2)]).sort());
    };
    const latest = (await cliIn(dir, ['statement', '--month', '2026-10', '--run', '2', '--format', 'csv'])).stdout;
    const latestByCentre = new Map<string, Decimal>();
    for (const row of latest.trim().split('\n').slice(1)) {
      const cells = row.split(',');
      latestByCentre.set(cells[1]!, (latestByCentre.get(cells[1]!) ?? new Decimal(0)).plus(cells[8]!));
    }
    const posted = net(books.stdout, adjustment.stdout);
    for (const [centre, amount] of latestByCentre) if (!amount.isZero()) assert.equal(posted[centre], amount.toFixed(2), centre);

    const notAdjusting = await cliIn(dir, ['export', 'erp', '--month', '2026-10', '--run', '1', '--adjustments']);
    assert.equal(notAdjusting.code, 2);
    assert.match(notAdjusting.stderr, /^chargeback: run 1's differences are already posted/);
  });

  it('runs --verify recomputes a run from the batches it read, whatever came later, and finds a tampered line', async () => {
    const { dir, ledger } = workspace();
    const card = fixture('golden/ratecard.yaml');
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card])).code, 0);
    writeFileSync(join(dir, 'late.csv'), `${HEADER}\n2026-10-20T10:00:00Z,late1,,erin,search,,llama-3-70b,5000,1000,1,ok,,prod\n`);
    await cliIn(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway']);
    const verified = await cliIn(dir, ['runs', '--verify', '1']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /^run 1 \(2026-10\) is byte-identical when recomputed from its 1 batches \[1\] and its rate card \(sha256 [0-9a-f]{12}\): 11 lines/);
    const json = JSON.parse((await cliIn(dir, ['runs', '--format', 'json'])).stdout) as { months: { runs: { run: number; tool_version: string }[] }[] };
    assert.equal(json.months[0]!.runs[0]!.tool_version, JSON.parse(readFileSync(fixture('../package.json'), 'utf8')).version);

    const db = new Database(ledger);
    db.prepare("UPDATE run_lines SET amount = '1.00' WHERE run_id = 1 AND seq = 2").run();
    db.close();
    const tampered = await cliIn(dir, ['runs', '--verify', '1']);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /^chargeback: run 1 differs when recomputed from its 1 batches and its card, at line 4: stored statement: .*,1\.00,USD, recomputed statement: /);
    assert.equal((await cliIn(dir, ['runs', '--verify', '9'])).stderr, 'chargeback: no run 9\n');
  });

  it('a run records its billing and GPU batches too, and --verify recomputes pools fed by them', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    for (const at of ['10:00', '10:05', '10:10']) {
      await cliIn(dir, ['ingest', fixture('data/gpu/dcgm-exporter_scrape_datadog-fixture.prom'), '--source', 'gpu', '--at', `2026-10-05T${at}:00Z`, '--rejects', join(dir, 'gpu.rejects.csv')]);
    }
    writeFileSync(join(dir, 'bill.csv'), 'BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName,Tags\n' +
      '100.00,90.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,GPU,{}\n');
    await cliIn(dir, ['ingest', join(dir, 'bill.csv'), '--source', 'billing']);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { team: [search] } }\npools:\n' +
      '  - { id: chat, cost: { fixed: "10.00" }, method: proportional, driver: requests }\n' +
      '  - { id: gpu, cost: { billing: { service: GPU } }, method: time-based, driver: gpu_hours, capacity: "100", idle: spread }\n');
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const json = JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout);
    assert.deepEqual(json.batch_ids, [1, 2, 3, 4, 5], "gateway 1, GPU 2-4, billing 5");
    const verified = await cliIn(dir, ['runs', '--verify', '1']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, /byte-identical when recomputed from its 5 batches \[1, 2, 3, 4, 5\]/);
  });

  it('warns of a month without usage (exit 1) and never closes one', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    const close = await cliIn(dir, ['compute', '--month', '2026-07', '--rate-card', fixture('golden/ratecard.yaml'), '--close']);
    assert.equal(close.code, 1);
    assert.match(close.stderr, /^chargeback: 2026-07 has no usage events \(no gateway requests, no GPU samples in .*\): not closing it; ingest the month's logs first\n$/);
    const empty = await cliIn(dir, ['compute', '--month', '2026-07', '--rate-card', fixture('golden/ratecard.yaml')]);
    assert.equal(empty.code, 1);
    assert.match(empty.stderr, /chargeback: 2026-07 has no usage events \(no gateway requests, no GPU samples in .*\): run 1 charges every pool's cost to CC-0000; ingest the month's logs and compute again\n$/);
    assert.doesNotMatch((await cliIn(dir, ['runs', '--month', '2026-07'])).stdout, /closes the month/);
  });
});
