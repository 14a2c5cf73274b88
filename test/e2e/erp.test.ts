import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { journalOf, lastDayOf } from '../../src/domain/journal.js';
import { Decimal as D } from '../../src/domain/money.js';
import { cliIn, fixture, workspace } from './cli.js';

describe('export erp (SPEC §7)', () => {
  it('balances a multi-pool month, and each centre\'s debits less credits equal its statement total', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('spec-example/ratecard.yaml')]);
    const csv = await cliIn(dir, ['export', 'erp', '--month', '2026-10']);
    assert.equal(csv.code, 0, csv.stderr);
    const rows = parse(csv.stdout, { columns: true }) as Record<string, string>[];
    assert.deepEqual(Object.keys(rows[0]!), ['posting_date', 'document', 'gl_account', 'cost_centre', 'debit', 'credit', 'currency', 'memo']);
    const total = (key: 'debit' | 'credit') => rows.reduce((s, r) => s.plus(r[key]!), new Decimal(0)).toFixed(2);
    assert.equal(total('debit'), '67886.00');
    assert.equal(total('credit'), '67886.00');
    assert.ok(rows.every((r) => r.posting_date === '2026-10-31' && r.document === 'chargeback-run-1' && r.gl_account === '6100'));
    // Per centre, the charge lines (not the platform's recovery lines) net to the statement total.
    const statement = parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv'])).stdout, { columns: true }) as Record<string, string>[];
    for (const centre of ['CC-4100', 'CC-4200', 'CC-0000']) {
      const charged = rows.filter((r) => r.cost_centre === centre && !r.memo!.includes(' recovered '))
        .reduce((s, r) => s.plus(r.debit!).minus(r.credit!), new Decimal(0));
      const expected = statement.filter((r) => r.cost_centre === centre).reduce((s, r) => s.plus(r.amount!), new Decimal(0));
      assert.equal(charged.toFixed(2), expected.toFixed(2), centre);
    }
    const json = JSON.parse((await cliIn(dir, ['export', 'erp', '--month', '2026-10', '--format', 'json', '--dry-run'])).stdout);
    assert.equal(json.length, rows.length);
  });

  it('escapes a cell that starts with = (a cost-centre name in the memo)', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    const card = join(dir, 'card.yaml');
    writeFileSync(card, readFileSync(fixture('golden/ratecard.yaml'), 'utf8').replace('unallocated: CC-0000', 'unallocated: CC-0000\nplatform: { cost_centre: CC-0000, gl_account: "6100" }'));
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card]);
    const csv = (await cliIn(dir, ['export', 'erp', '--month', '2026-10'])).stdout;
    assert.match(csv, /,CC-4300,152\.73,0\.00,USD,'=Research: chat proportional 2026-10\n/);
  });

  it('needs the card\'s platform, and says so (exit 2)', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml')]);
    const run = await cliIn(dir, ['export', 'erp', '--month', '2026-10']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: run 1's rate card has no "platform: \{ cost_centre, gl_account \}": the journal credits it\n$/);
  });

  it('posts a negative line as a credit and the pool\'s recovery the other way', async () => {
    const line = (costCentre: string, amount: string) => ({ costCentre, costCentreName: '', pool: 'credit', method: 'proportional', driver: 'requests', quantity: null, unitPrice: null, amount: new D(amount) });
    const journal = journalOf({ document: 'chargeback-run-7', month: '2024-02', postingDate: lastDayOf('2024-02') }, [line('A', '-33.34'), line('B', '-66.66')], { costCentre: 'P', glAccount: '6100' });
    assert.deepEqual(journal.map((j) => [j.postingDate, j.costCentre, j.debit.toFixed(2), j.credit.toFixed(2)]), [
      ['2024-02-29', 'A', '0.00', '33.34'],
      ['2024-02-29', 'B', '0.00', '66.66'],
      ['2024-02-29', 'P', '100.00', '0.00'],
    ]);
  });
});

describe('what-if, FOCUS statement and batch verification', () => {
  it('diff shows what another card would charge each centre and stores no run', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml')]);
    const card = join(dir, 'double.yaml');
    writeFileSync(card, readFileSync(fixture('golden/ratecard.yaml'), 'utf8').replace('"1000.00"', '"2000.00"'));
    const run = await cliIn(dir, ['diff', '--month', '2026-10', '--rate-card', card]);
    assert.equal(run.code, 0, run.stderr);
    // chat doubles: C 1120.00 → 2240.00; CC-4100's chat line 610.91 → 1221.82 (+610.91); its embed and ops lines stay.
    assert.match(run.stdout, /│ CC-4100 +│ +644\.28 │ +1,255\.19 │ +\+610\.91 │/);
    assert.match(run.stdout, /│ total +│ +1,220\.05 │ +2,340\.05 │ +\+1,120\.00 │/);
    assert.match((await cliIn(dir, ['runs', '--month', '2026-10'])).stdout, /│ 1 +│/);
    assert.doesNotMatch((await cliIn(dir, ['runs', '--month', '2026-10'])).stdout, /│ 2 +│/);
  });

  it('statement --format focus writes FOCUS rows with the allocation columns', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml')]);
    const rows = parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'focus'])).stdout, { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 11);
    const row = rows.find((r) => r.SubAccountId === 'CC-4100' && r.ServiceName === 'embed')!;
    assert.deepEqual([row.BilledCost, row.AllocatedMethodId, JSON.parse(row.AllocatedMethodDetails!), JSON.parse(row.AllocatedTags!)],
      ['33.34', 'proportional', { driver: 'requests', quantity: '1', run: 1 }, { cost_centre: 'CC-4100' }]);
    assert.equal(rows.reduce((s, r) => s.plus(r.BilledCost!), new Decimal(0)).toFixed(2), '1220.05');
    assert.equal(rows.find((r) => r.SubAccountId === 'CC-4300')?.SubAccountName, "'=Research");
  });

  it('batches --verify finds rows that vanished from the ledger behind chargeback\'s back', async () => {
    const { dir, ledger } = workspace();
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    const ok = await cliIn(dir, ['batches', '--verify']);
    assert.equal(ok.code, 0);
    assert.match(ok.stdout, /batch 1 .*gateway\.csv: recorded 11 stored, 11 in the ledger: ok/);
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(ledger);
    db.prepare("DELETE FROM usage_events WHERE natural_key = 'r:r2'").run();
    db.close();
    const bad = await cliIn(dir, ['batches', '--verify']);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /recorded 11 stored, 10 in the ledger: MISMATCH/);
    assert.equal(bad.stderr, 'chargeback: 1 batch no longer holds the rows recorded: the ledger was changed outside chargeback\n');
  });
});
