import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Decimal } from 'decimal.js';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * A month end as a finance analyst does it (issue 28): ingest, compute, close and export;
 * a late file with --allow-closed, an accidental compute, another late file and compute;
 * export erp --adjustments. The posted journals sum to the latest run, every view of the
 * closed month adds up to the closed lines, the report shows the adjustments, and status
 * shows nothing pending. Commands run in this process, as main() runs them.
 */
const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';

const cli = (ledger: string, at: string) => inProcess(ledger, at);

/** Per cost centre, debit less credit of the charge lines of some journals (the platform's recovery lines aside). */
function posted(...journals: string[]): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const row of journals.flatMap((j) => parse(j, { columns: true }) as Record<string, string>[])) {
    if (row.cost_centre === 'CC-PLAT') continue;
    totals.set(row.cost_centre!, (totals.get(row.cost_centre!) ?? new Decimal(0)).plus(row.debit!).minus(row.credit!));
  }
  return new Map([...totals].filter(([, v]) => !v.isZero()).map(([k, v]): [string, string] => [k, v.toFixed(2)]).sort());
}

function byCentre(statementCsv: string): Map<string, string> {
  const totals = new Map<string, Decimal>();
  for (const row of parse(statementCsv, { columns: true }) as Record<string, string>[]) {
    totals.set(row.cost_centre!, (totals.get(row.cost_centre!) ?? new Decimal(0)).plus(row.amount!));
  }
  return new Map([...totals].filter(([, v]) => !v.isZero()).map(([k, v]): [string, string] => [k, v.toFixed(2)]).sort());
}

describe('a month end, late rows and all (issue 28)', () => {
  it('posts each journal once, and every view of the closed month reads its books', async () => {
    const { dir, ledger } = workspace();
    const run = cli(ledger, '2026-11-02T09:00:00Z');
    const card = join(dir, 'card.yaml');
    writeFileSync(card, `${readFileSync(fixture('golden/ratecard.yaml'), 'utf8')}\nplatform:\n  cost_centre: CC-PLAT\n  gl_account: "6100"\n`);
    assert.equal((await run('ingest', fixture('golden/gateway.csv'), '--source', 'gateway')).code, 0);
    assert.equal((await run('compute', '-m', '2026-10', '-r', card, '--close')).code, 0);
    const books = await run('export', 'erp', '-m', '2026-10', '-o', join(dir, 'journal-2026-10.csv'));
    assert.equal(books.code, 0, books.stderr);
    const closedLines = JSON.parse((await run('explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '-f', 'json')).stdout);

    // Late rows, allowed into the closed month; an accidental compute; more late rows; a compute.
    writeFileSync(join(dir, 'late-1.csv'), `${HEADER}\n2026-10-20T10:00:00Z,late1,sk-golden-search-1111,alice,search,,llama-3-70b,854635,1000,1,ok,,prod\n`);
    writeFileSync(join(dir, 'late-2.csv'), `${HEADER}\n2026-10-21T10:00:00Z,late2,,bob,support,,bge-large,10,0,1,ok,,prod\n`);
    assert.equal((await run('ingest', join(dir, 'late-1.csv'), '--source', 'gateway', '--allow-closed')).code, 0);
    assert.equal((await run('compute', '-m', '2026-10', '-r', card)).code, 0);
    assert.equal((await run('compute', '-m', '2026-10', '-r', card)).code, 0, 'the accidental compute');
    assert.equal((await run('ingest', join(dir, 'late-2.csv'), '--source', 'gateway', '--allow-closed')).code, 0);

    // The closed month's drill-down still reads its books, says what it leaves out, and adds up to its lines.
    const explained = await run('explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '-f', 'json');
    assert.equal(explained.code, 0, explained.stderr);
    assert.deepEqual(JSON.parse(explained.stdout), closedLines, 'explain of the closed month reads the closed run\'s batches');
    assert.match(explained.stderr, /^note: run 1 reads only its own 1 batch: 2 later request rows, 855645 tokens of 2026-10 are not in these books; compute 2026-10 again to include them\n$/);
    for (const line of closedLines.lines as { quantity: string | null; by_model: { quantity: string }[] | null }[]) {
      if (line.by_model === null || line.quantity === null) continue;
      assert.equal(line.by_model.reduce((s, m) => s.plus(m.quantity), new Decimal(0)).toFixed(), new Decimal(line.quantity).toFixed(), 'by model adds up to the line');
    }

    assert.equal((await run('compute', '-m', '2026-10', '-r', card)).code, 0);
    const runs = JSON.parse((await run('runs', '-m', '2026-10', '-f', 'json')).stdout).months[0];
    assert.deepEqual([runs.posted_run, runs.adjustments_pending, runs.unexported], [1, true, false]);
    assert.match((await run('status')).stdout, /Months with journals to post\n {2}2026-10: run 4's differences from run 1 not posted: export erp -m 2026-10 --adjustments\n/);
    const later = await run('explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '--run', '2');
    assert.match(later.stderr, /^note: run 2 reads only its own 2 batches: 1 later request row, 10 tokens of 2026-10 are not in these books; run 4 holds them \(--run 4\)\n$/);

    // Every difference, the accidental compute's included, posted once against the books as exported.
    const adjustment = await run('export', 'erp', '-m', '2026-10', '--adjustments', '-o', join(dir, 'adjustments.csv'));
    assert.equal(adjustment.code, 0, adjustment.stderr);
    assert.match(readFileSync(join(dir, 'adjustments.csv'), 'utf8'), /,chargeback-run-4-adjusts-1,/);
    const latest = (await run('statement', '-m', '2026-10', '--run', '4', '-f', 'csv')).stdout;
    assert.deepEqual(posted(readFileSync(join(dir, 'journal-2026-10.csv'), 'utf8'), readFileSync(join(dir, 'adjustments.csv'), 'utf8')), byCentre(latest));
    const again = await run('export', 'erp', '-m', '2026-10', '--adjustments');
    assert.equal(again.code, 0);
    assert.match(again.stderr, /^warning: nothing to post: run 4's figures are all posted \(chargeback-run-4-adjusts-1, on 2026-11-02 to .*adjustments\.csv\)\n$/);
    const stale = await run('export', 'erp', '-m', '2026-10', '--run', '3');
    assert.equal(stale.code, 2);
    assert.match(stale.stderr, /run 3's differences are already posted/);
    const status = await run('status');
    assert.doesNotMatch(status.stdout, /Months with journals to post/);
    assert.match(status.stdout, /│ 2026-10 │ closed on run 1 │ +1 │ +4 │ posted to run 4 │/);

    // The report of the closed month: its books, each adjustment run, the adjusted total.
    const report = await run('report', '-m', '2026-10', '-o', join(dir, 'report.html'));
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    const adjustedTotal = [...byCentre(latest).values()].reduce((s, v) => s.plus(v), new Decimal(0)).toFixed(2);
    assert.match(html, new RegExp(`data-adjusted-total="${adjustedTotal}"`));
    assert.match(html, /<h2>Adjustments since these books<\/h2>/);
    for (const id of [2, 3, 4]) assert.match(html, new RegExp(`<td>run ${id}</td><td>against run ${id - 1}</td>`));
  });

  it('compares a month with last month as adjusted', async () => {
    const { dir, ledger } = workspace();
    const run = cli(ledger, '2026-12-02T09:00:00Z');
    const card = fixture('golden/ratecard.yaml');
    await run('ingest', fixture('golden/gateway.csv'), '--source', 'gateway');
    await run('compute', '-m', '2026-10', '-r', card, '--close');
    writeFileSync(join(dir, 'late.csv'), `${HEADER}\n2026-10-20T10:00:00Z,late1,,bob,support,,bge-large,10,0,1,ok,,prod\n2026-11-03T10:00:00Z,n1,,bob,support,,bge-large,10,0,1,ok,,prod\n`);
    await run('ingest', join(dir, 'late.csv'), '--source', 'gateway', '--allow-closed');
    await run('compute', '-m', '2026-10', '-r', card);
    assert.equal((await run('compute', '-m', '2026-11', '-r', card)).code, 0);
    await run('report', '-m', '2026-11', '-o', join(dir, 'november.html'));
    assert.match(readFileSync(join(dir, 'november.html'), 'utf8'), /\(run 2\)<\/div>/, 'against October as adjusted by run 2');
  });
});
