import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { strFromU8, unzipSync } from 'fflate';
import { Decimal } from '../../src/domain/money.js';
import { cliIn, fixture, workspace } from './cli.js';

/** Issue 32: journals the ERP imports as they are, written by the CLI as a finance analyst would. */
const CARD = fixture('erp/ratecard.yaml');

async function closedMonth() {
  const { dir } = workspace();
  assert.equal((await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway'])).code, 0);
  const compute = await cliIn(dir, ['compute', '-m', '2026-10', '-r', CARD, '--close']);
  assert.ok(compute.code <= 1, compute.stderr);
  return dir;
}

describe('export erp --profile (issue 32)', () => {
  it('oracle-fbdi: GlInterface.csv zipped, no header, 150 positions, the fields Journal Import needs where it reads them', async () => {
    const dir = await closedMonth();
    const run = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--profile', 'oracle-fbdi', '-o', join(dir, 'journal.zip')]);
    assert.equal(run.code, 0, run.stderr);
    const zip = readFileSync(join(dir, 'journal.zip'));
    const inside = unzipSync(zip);
    assert.deepEqual(Object.keys(inside), ['GlInterface.csv']);
    const rows = parse(strFromU8(inside['GlInterface.csv']!)) as string[][];
    assert.ok(rows.length > 2);
    for (const row of rows) {
      assert.equal(row.length, 150);
      assert.deepEqual([row[0], row[1], row[2], row[3], row[4], row[5], row[7], row[149]], ['NEW', '300000046975971', '2026/10/31', 'Chargeback', 'Allocation', 'USD', 'A', 'END']);
      assert.deepEqual(row.slice(8, 12).map((v, i) => (i === 1 ? /^\d{4}$/.test(v) : v)), ['01', true, '6100', '000']);
      assert.ok((row[38] === '') !== (row[39] === ''), 'a debit or a credit, never both');
      assert.equal(row[42], 'chargeback-run-1');
      assert.equal(row[66], '1', 'GROUP_ID');
      assert.equal(row[91], 'US Primary Ledger', 'LEDGER_NAME');
      assert.equal(row[94], 'Oct-26', 'PERIOD_NAME');
    }
    const debit = rows.reduce((s, r) => s.plus(r[38] || 0), new Decimal(0));
    const credit = rows.reduce((s, r) => s.plus(r[39] || 0), new Decimal(0));
    assert.equal(debit.toFixed(2), credit.toFixed(2));
    // The same run and period give the same bytes (--again: the document was posted).
    const again = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--profile', 'oracle-fbdi', '--again', '-o', join(dir, 'again.zip')]);
    assert.equal(again.code, 0, again.stderr);
    assert.ok(readFileSync(join(dir, 'again.zip')).equals(zip), 're-export is byte-identical');
  });

  it('posts the books, then an adjustment, in every profile: they add up to the latest run per cost centre, in the ERP\'s sign convention', async () => {
    const signed: Record<string, (row: string[]) => [string, Decimal]> = {
      sap: (r) => [r[10]!, new Decimal(r[8]!)],
      netsuite: (r) => [r[9]!, new Decimal(r[6] || 0).minus(r[7] || 0)],
      xero: (r) => [r[7]!, new Decimal(r[5]!)],
    };
    for (const [profile, read] of Object.entries(signed)) {
      const dir = await closedMonth();
      const late = join(dir, 'late.csv');
      writeFileSync(late, 'timestamp,request_id,team,model,input_tokens,output_tokens\n2026-10-20T10:00:00Z,late-1,search,llama-3-70b,5000000,1000000\n');
      const posted = async (args: string[], out: string) => {
        const run = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--profile', profile, ...args, '-o', join(dir, out)]);
        assert.equal(run.code, 0, `${profile} ${args.join(' ')}: ${run.stderr}`);
        return (parse(readFileSync(join(dir, out), 'utf8')) as string[][]).slice(1).map(read);
      };
      const books = await posted([], 'books.csv');
      assert.equal((await cliIn(dir, ['ingest', late, '--source', 'gateway', '--allow-closed'])).code, 0);
      assert.ok((await cliIn(dir, ['compute', '-m', '2026-10', '-r', CARD])).code <= 1);
      const adjustment = await posted(['--adjustments', '--period', '2026-11'], 'adjustment.csv');
      const byCentre = (lines: [string, Decimal][]) => {
        const sums = new Map<string, Decimal>();
        for (const [centre, amount] of lines) sums.set(centre, (sums.get(centre) ?? new Decimal(0)).plus(amount));
        return new Map([...sums].map(([c, v]) => [c, v.toFixed(2)]));
      };
      // The latest run's figures per centre, as a journal posts them: each centre its lines, the platform (CC-0000 here) minus them all.
      const statement = (parse((await cliIn(dir, ['statement', '-m', '2026-10', '--run', '2', '-f', 'csv'])).stdout) as string[][]).slice(1);
      const codes: Record<string, string> = { 'CC-0000': '9000', 'CC-4100': '4100', 'CC-4200': '4200', 'CC-4300': '4300' };
      const total = statement.reduce((s, r) => s.plus(r[8]!), new Decimal(0));
      const whole: [string, Decimal][] = [...statement.map((r): [string, Decimal] => [codes[r[1]!]!, new Decimal(r[8]!)]), ['9000', total.negated()]];
      assert.deepEqual(byCentre([...books, ...adjustment]), byCentre(whole), profile);
    }
  });

  it('refuses a value past the ERP\'s length in one line naming the line and the limit, and writes nothing', async () => {
    const dir = await closedMonth();
    writeFileSync(join(dir, 'card.yaml'), readFileSync(CARD, 'utf8').replace('CC-4100: "4100"', 'CC-4100: "410000000000"'));
    const run = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--profile', 'sap', '--rate-card', join(dir, 'card.yaml'), '-o', join(dir, 'out.csv')]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: export erp --profile sap: journal line \d+, CostCenter: "410000000000" is 12 characters, the ERP takes at most 10\n$/);
    assert.equal(existsSync(join(dir, 'out.csv')), false);
    assert.equal((await cliIn(dir, ['runs', '-m', '2026-10', '-f', 'json'])).stdout.includes('"exports": []'), true, 'nothing recorded');
  });

  it('the card\'s erp.profile is what export erp writes; -f json and table still show the generic layout, --profile with them is refused', async () => {
    const { dir } = workspace();
    await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
    assert.ok((await cliIn(dir, ['compute', '-m', '2026-10', '-r', fixture('erp/columns.yaml')])).code <= 1);
    const csv = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--dry-run']);
    assert.match(csv.stdout, /^Journal,Line,Date,Account,CostCentre,Amount,Currency,Text,Type\n/);
    const json = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--dry-run', '-f', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal((JSON.parse(json.stdout) as { document: string }[])[0]?.document, 'chargeback-run-1');
    const refused = await cliIn(dir, ['export', 'erp', '-m', '2026-10', '--dry-run', '-f', 'json', '--profile', 'xero']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^chargeback: --profile xero writes the ERP's own import file: drop -f json/);
  });
});
