import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { before, describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { BIN, chargeback, ROOT, workspace } from './cli.js';
import { duckdbRows, quote, writeParquet } from './parquet-writer.js';

const DATA = join(ROOT, 'fixtures/data');
const FOCUS = join(DATA, 'focus/focus-1.0_sample_multicloud.csv');
const CUR = join(DATA, 'cloud/aws-cur-legacy_sample_anonymous.csv');

/** The months a summary is asked for, and the summary JSON of each, as the ledger in `dir` holds them. */
function summaries(dir: string, months: readonly string[]): string {
  return months.map((m) => chargeback(dir, ['billing', 'summary', '--month', m, '--format', 'json']).stdout).join('\n');
}

function ingested(file: string, extra: readonly string[] = []): { dir: string; stdout: string } {
  const { dir } = workspace();
  const run = chargeback(dir, ['ingest', file, '--source', 'billing', '--rejects', join(dir, 'r.csv'), ...extra]);
  assert.equal(run.code, 0, run.stdout + run.stderr);
  return { dir, stdout: run.stdout };
}

const batchCount = (dir: string) => (chargeback(dir, ['batches', '--format', 'json']).stdout.match(/"batch"|"id"/g) ?? []).length;

/**
 * Parquet exports of real CSV samples (issue 15), written by DuckDB as an exporter would:
 * typed columns (doubles, timestamps), exact DECIMAL money, tags as a MAP, other codecs and
 * many row groups. Each must read to the same books as the CSV it came from, which
 * test/e2e/billing.test.ts checks against an independent sum.
 */
describe('Parquet billing exports read as their CSV does', () => {
  const MONTHS = ['2024-08', '2024-09', '2024-10'];
  let out = '';
  let csvBooks = '';
  before(() => {
    out = workspace({ init: false }).dir;
    csvBooks = summaries(ingested(FOCUS).dir, MONTHS);
  });

  const variants: [string, string, string][] = [
    ['typed columns (DuckDB read_csv types), snappy', 'SELECT * FROM src', 'COMPRESSION snappy'],
    ['DECIMAL(38,18) money, tags as MAP, zstd, row groups of 64', `SELECT * REPLACE (
        BilledCost::DECIMAL(38,18) AS BilledCost, TRY_CAST(EffectiveCost AS DECIMAL(38,18)) AS EffectiveCost,
        TRY_CAST(ListCost AS DECIMAL(38,18)) AS ListCost, TRY_CAST(TRY_CAST(Tags AS JSON) AS MAP(VARCHAR, VARCHAR)) AS Tags) FROM src_text`, 'COMPRESSION zstd, ROW_GROUP_SIZE 64'],
    ['every column text, gzip', 'SELECT * FROM src_text', 'COMPRESSION gzip'],
  ];
  for (const [name, select, options] of variants) {
    it(`FOCUS 1.0 sample, ${name}: every row stored, same summaries as the CSV`, async () => {
      const file = join(out, `${name.replace(/\W+/g, '-')}.parquet`);
      await writeParquet(FOCUS, file, select, options);
      const { dir, stdout } = ingested(file);
      assert.match(stdout, /batch 1 \(focus\): 1000 rows read, 1000 stored, 0 duplicate, 0 rejected/);
      assert.equal(summaries(dir, MONTHS), csvBooks);
    });
  }

  it('the billed total of all months equals DuckDB\'s own exact sum of the CSV\'s BilledCost', async () => {
    const [row] = await duckdbRows(`SELECT SUM(BilledCost::DECIMAL(38,12))::VARCHAR AS total FROM read_csv(${quote(FOCUS)}, all_varchar = true)`);
    const file = join(out, 'total.parquet');
    await writeParquet(FOCUS, file);
    const { dir } = ingested(file);
    const totals = MONTHS.map((m) => JSON.parse(chargeback(dir, ['billing', 'summary', '--month', m, '--format', 'json']).stdout).total as { billed_cost: string }[]);
    const sum = totals.flat().reduce((s, t) => s + Number(t.billed_cost) * 1e12, 0);
    // Compared in 10^-12 units, exactly representable at this size.
    assert.equal(Math.round(sum), Math.round(Number(row!.total) * 1e12));
  });

  it('CUR 2.0 layout (snake_case, product and resource_tags maps) from the legacy CUR sample: same summaries as the legacy CSV', async () => {
    const header = Object.keys((parse(readFileSync(CUR, 'utf8'), { columns: true, to: 1 }) as Record<string, string>[])[0]!);
    const snake = (column: string) => column.split('/').map((part) => part.replace(/(?<!^)([A-Z])/g, '_$1').toLowerCase()).join('_');
    const tags = header.filter((c) => c.startsWith('resourceTags/user:'));
    const plain = header.filter((c) => !c.startsWith('resourceTags/') && c !== 'product/ProductName').map((c) => `"${c}" AS ${snake(c)}`);
    const map = (pairs: string[]) => `map_from_entries(list_filter([${pairs.join(', ')}], x -> x.v IS NOT NULL AND x.v <> ''))`;
    const select = `SELECT ${plain.join(', ')},
      ${map([`{k: 'product_name', v: "product/ProductName"::VARCHAR}`])} AS product,
      ${map(tags.map((t) => `{k: ${quote(`user_${t.slice('resourceTags/user:'.length)}`)}, v: "${t}"::VARCHAR}`))} AS resource_tags FROM src`;
    const file = join(out, 'cur2.parquet');
    await writeParquet(CUR, file, select);
    const months = [...new Set(readFileSync(CUR, 'utf8').match(/20\d\d-\d\d(?=-\d\dT)/g) ?? [])];
    const legacy = ingested(CUR);
    const cur2 = ingested(file);
    assert.match(cur2.stdout, /\(aws-cur\): 1281 rows read/);
    assert.doesNotMatch(cur2.stdout, /resource_tags|product_product_name/);
    assert.equal(summaries(cur2.dir, months), summaries(legacy.dir, months));
  });
});

describe('Parquet inputs that are wrong, cut short or piped', () => {
  it('a row with a bad cost and one with a non-ISO currency are one-line rejects naming row and field; the rest is stored', async () => {
    const { dir } = workspace();
    const file = join(dir, 'bad.parquet');
    await writeParquet(FOCUS, file, `SELECT * REPLACE (
      CASE WHEN row_number() OVER () = 3 THEN 'abc' ELSE BilledCost::VARCHAR END AS BilledCost,
      CASE WHEN row_number() OVER () = 7 THEN 'MC' ELSE BillingCurrency END AS BillingCurrency) FROM src`);
    const run = chargeback(dir, ['ingest', file, '--source', 'billing', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /1000 rows read, 998 stored, 0 duplicate, 2 rejected/);
    const rejects = parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    assert.deepEqual(rejects.map((r) => [r.line, r.BilledCost, r.BillingCurrency, r.reason]), [
      ['3', 'abc', 'USD', 'field "billedcost": expected a decimal amount, got "abc"'],
      ['7', '0.0001583333', 'MC', 'field "billingcurrency": "MC" is not an ISO 4217 currency code: pass --currency to say which currency the file is in'],
    ]);
    // The rejects file is CSV and reads as the rows it holds: told the currency, the second is stored.
    const again = chargeback(dir, ['ingest', join(dir, 'r.csv'), '--source', 'billing', '--currency', 'USD', '--rejects', join(dir, 'r2.csv')]);
    assert.match(again.stdout, /2 rows read, 1 stored, 0 duplicate, 1 rejected/);
  });

  it('a file cut short is one line, exit 2, and nothing stored', async () => {
    const { dir } = workspace();
    const whole = join(dir, 'whole.parquet');
    await writeParquet(FOCUS, whole);
    const bytes = readFileSync(whole);
    for (const [name, cut] of [['head.parquet', bytes.subarray(0, bytes.length >> 1)], ['tail-lost.parquet', bytes.subarray(0, bytes.length - 9)]] as const) {
      writeFileSync(join(dir, name), cut);
      const run = chargeback(dir, ['ingest', join(dir, name), '--source', 'billing']);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, new RegExp(`^chargeback: ${join(dir, name)}: not a readable Parquet file \\(.+\\); nothing was stored\\n$`));
    }
    assert.equal(batchCount(dir), 0);
  });

  it('a Parquet file of no billing format, or given as gateway usage, is refused with the reason', async () => {
    const { dir } = workspace();
    const file = join(dir, 'other.parquet');
    await writeParquet(FOCUS, file, 'SELECT ServiceName, Tags FROM src');
    const unknown = chargeback(dir, ['ingest', file, '--source', 'billing']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /cannot tell the format from the Parquet schema \(columns: ServiceName, Tags\)/);
    const gateway = chargeback(dir, ['ingest', file, '--source', 'gateway']);
    assert.equal(gateway.code, 2);
    assert.match(gateway.stderr, /a Parquet file, and no gateway format is read from Parquet/);
  });

  it('from stdin: spooled to a temporary file that is gone afterwards, then the same bytes are a no-op', async () => {
    const { dir } = workspace();
    const file = join(dir, 'focus.parquet');
    await writeParquet(FOCUS, file);
    const temp = join(dir, 'tmp');
    mkdirSync(temp);
    const env = { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db'), TMPDIR: temp };
    const piped = spawnSync(process.execPath, [BIN, 'ingest', '-', '--source', 'billing'], { cwd: dir, env, input: readFileSync(file), encoding: 'utf8' });
    assert.equal(piped.status, 0, piped.stderr);
    assert.match(piped.stdout, /1000 rows read, 1000 stored/);
    assert.deepEqual(readdirSync(temp), []);
    const again = chargeback(dir, ['ingest', file, '--source', 'billing']);
    assert.match(again.stdout, /already ingested as batch 1/);
  });
});
