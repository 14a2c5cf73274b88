// npm run bench [-- --rows N] [--big N] [--billing-rows N] [--json FILE]: issue 11's speed and memory goals, measured in
// one run on generated gateway logs of the realistic shape (and the old simple one, for contrast),
// beside the sqlite3 shell's .import and DuckDB's one-shot GROUP BY of the same files. Figures,
// not assertions: a goal not met is printed as NO.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import Database from 'better-sqlite3';
import { CARD, SLO_CARD, WHAT_IF_CARD } from './card.js';
import { writeGatewayCsv, writeGpuScrapes, type Shape } from './generate.js';
import { compareParsers, type ParserFigures } from './parsers.js';
import { startCluster } from '../e2e/pg-cluster.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const rows = Number(option('--rows', '1000000'));
const big = Number(option('--big', String(rows * 5)));
const jsonPath = option('--json', '');
const work = mkdtempSync(join(tmpdir(), 'chargeback-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const cardPath = join(work, 'card.yaml');
const whatIfPath = join(work, 'what-if.yaml');
const sloPath = join(work, 'slo.yaml');
const gpuPath = join(work, 'gpu.prom');

interface Run {
  seconds: number;
  peakRssMb: number;
  stdout: string;
}
interface Goal {
  what: string;
  measured: string;
  goal: string;
  met: boolean | null;
}
const goals: Goal[] = [];
const tables: string[] = [];
const log = (text: string) => console.error(`  ${text}`);

function timed(command: string, argv: string[]): Run {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: work, encoding: 'utf8', maxBuffer: 1 << 28 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${argv.join(' ')} failed: ${result.stderr}`);
  const rss = /max_rss_kb=(\d+)/.exec(result.stderr ?? '');
  return { seconds, peakRssMb: rss ? Number(rss[1]) / 1024 : NaN, stdout: result.stdout };
}

function chargeback(ledger: string, argv: string[]): Run {
  return timed(process.execPath, [join(ROOT, 'dist/test/bench/with-rss.js'), '--ledger', ledger, ...argv]);
}

function goal(what: string, measured: string, target: string, met: boolean | null) {
  goals.push({ what, measured, goal: target, met });
}

/** The sqlite3 shell's .import of a file into a plain table: the floor ingest is measured against. */
function sqliteImport(file: string): number | null {
  if (spawnSync('sqlite3', ['--version']).status !== 0) return null;
  const db = join(work, 'floor.db');
  rmSync(db, { force: true });
  const { seconds } = timed('sqlite3', [db, '-cmd', '.mode csv', `.import ${file} usage`]);
  rmSync(db, { force: true });
  return seconds;
}

/** DuckDB straight over the CSV: the month's ok usage by team, model and tier, one query, nothing stored. */
async function duckdbGroupBy(file: string): Promise<number> {
  const start = process.hrtime.bigint();
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.runAndReadAll(`SELECT team, model, tier, COUNT(*) AS requests, SUM(input_tokens) AS input,
    SUM(output_tokens) AS output FROM read_csv('${file}', header = true) WHERE status < 400 GROUP BY ALL`);
  connection.closeSync();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/** A ledger with the GPU month and one gateway log in it, and the month computed. */
async function ledgerOf(name: string, shape: Shape) {
  const file = join(work, `${name}.csv`);
  await writeGatewayCsv(file, shape);
  const ledger = join(work, `${name}.db`);
  chargeback(ledger, ['init']);
  chargeback(ledger, ['ingest', gpuPath, '--source', 'gpu']);
  const floor = sqliteImport(file);
  const duck = await duckdbGroupBy(file);
  const ingest = chargeback(ledger, ['ingest', file, '--source', 'gateway']);
  const compute = chargeback(ledger, ['compute', '--month', '2026-10', '--rate-card', cardPath]);
  const dims = countDims(ledger);
  const megabytes = statSync(file).size / 1e6;
  log(`${name}: ${(shape.to - shape.from).toLocaleString('en-US')} rows, ${megabytes.toFixed(0)} MB, ${dims.toLocaleString('en-US')} dims;` +
    ` ingest ${ingest.seconds.toFixed(2)} s / ${ingest.peakRssMb.toFixed(0)} MB, compute ${compute.seconds.toFixed(2)} s / ${compute.peakRssMb.toFixed(0)} MB`);
  return { file, ledger, floor, duck, ingest, compute, dims, megabytes };
}

/**
 * The same realistic file into a PostgreSQL ledger (issue 20) on a throwaway local cluster,
 * beside the SQLite figures: figures only, no goal yet. The statement must be the same bytes.
 */
async function postgresqlOf(realistic: Measured) {
  const cluster = await startCluster();
  try {
    const ledger = cluster.url;
    chargeback(ledger, ['init']);
    chargeback(ledger, ['ingest', gpuPath, '--source', 'gpu']);
    const ingest = chargeback(ledger, ['ingest', realistic.file, '--source', 'gateway']);
    const compute = chargeback(ledger, ['compute', '--month', '2026-10', '--rate-card', cardPath]);
    const statement = (at: string) => chargeback(at, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    const same = statement(ledger) === statement(realistic.ledger);
    log(`postgresql: ingest ${f2(ingest.seconds)} s / ${mb(ingest.peakRssMb)} MB, compute ${f2(compute.seconds)} s / ${mb(compute.peakRssMb)} MB; statement ${same ? 'byte-identical to' : 'DIFFERS from'} SQLite's`);
    tables.push(`Ledger backends, the realistic ${rows.toLocaleString('en-US')}-row file (PostgreSQL: a local throwaway cluster, fsync off; figures only)
| backend | ingest s | ingest RSS MB | compute s | compute RSS MB | statement |
|---|---:|---:|---:|---:|---|
| SQLite | ${f2(realistic.ingest.seconds)} | ${mb(realistic.ingest.peakRssMb)} | ${f2(realistic.compute.seconds)} | ${mb(realistic.compute.peakRssMb)} | |
| PostgreSQL | ${f2(ingest.seconds)} | ${mb(ingest.peakRssMb)} | ${f2(compute.seconds)} | ${mb(compute.peakRssMb)} | ${same ? 'byte-identical' : 'DIFFERS'} |`);
  } finally {
    cluster.stop();
  }
}

function countDims(ledger: string): number {
  const db = new Database(ledger, { readonly: true });
  const count = db.prepare('SELECT COUNT(*) FROM usage_dims').pluck().get() as number;
  db.close();
  return count;
}

type Measured = Awaited<ReturnType<typeof ledgerOf>>;
const f2 = (n: number) => n.toFixed(2);
const mb = (n: number) => n.toFixed(0);
const ratio = (a: number, b: number | null) => (b === null ? 'no sqlite3' : `${(a / b).toFixed(2)}×`);

function shapesTable(shapes: [string, Measured][]) {
  const lines = [
    '| shape | rows | MB | dims | sqlite3 .import s | ingest s | ingest / .import | ingest RSS MB | compute s | compute RSS MB | DuckDB GROUP BY s | (ingest + compute) / DuckDB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...shapes.map(([name, m]) =>
      `| ${name} | ${rows.toLocaleString('en-US')} | ${mb(m.megabytes)} | ${m.dims.toLocaleString('en-US')} | ${m.floor === null ? '' : f2(m.floor)} | ` +
      `${f2(m.ingest.seconds)} | ${ratio(m.ingest.seconds, m.floor)} | ${mb(m.ingest.peakRssMb)} | ${f2(m.compute.seconds)} | ${mb(m.compute.peakRssMb)} | ` +
      `${f2(m.duck)} | ${((m.ingest.seconds + m.compute.seconds) / m.duck).toFixed(1)}× |`),
  ];
  tables.push(`Gateway log shapes (each ledger also holds a month of DCGM scrapes of 32 GPUs; compute: 12 pools, all six methods, anomaly check)\n${lines.join('\n')}`);
}

function scalingTable(points: [string, number, Measured][]) {
  const lines = [
    '| events | distinct dims | compute s | compute peak RSS MB |',
    '|---:|---:|---:|---:|',
    ...points.map(([, events, m]) => `| ${events.toLocaleString('en-US')} | ${m.dims.toLocaleString('en-US')} | ${f2(m.compute.seconds)} | ${mb(m.compute.peakRssMb)} |`),
  ];
  tables.push(`Compute as the month grows (realistic shape)\n${lines.join('\n')}`);
}

async function main() {
  console.error(`chargeback bench: ${rows.toLocaleString('en-US')} rows (big: ${big.toLocaleString('en-US')}), in ${work}`);
  writeFileSync(cardPath, CARD);
  writeFileSync(whatIfPath, WHAT_IF_CARD);
  writeFileSync(sloPath, SLO_CARD);
  log(`${(await writeGpuScrapes(gpuPath)).toLocaleString('en-US')} GPU samples`);

  const realistic = await ledgerOf('realistic', { kind: 'realistic', from: 0, to: rows });
  const simple = await ledgerOf('simple', { kind: 'simple', from: 0, to: rows });
  shapesTable([['realistic', realistic], ['simple (the old best case)', simple]]);
  await postgresqlOf(realistic);
  const ingestRatio = realistic.floor === null ? null : realistic.ingest.seconds / realistic.floor;
  goal(`ingest of ${rows.toLocaleString('en-US')} realistic rows`, ratio(realistic.ingest.seconds, realistic.floor), '≤ 1.5× sqlite3 .import',
    ingestRatio === null ? null : ingestRatio <= 1.5);
  goal('peak RSS of that ingest', `${mb(realistic.ingest.peakRssMb)} MB`, '≤ 200 MB', realistic.ingest.peakRssMb <= 200);
  goal(`compute of a ${rows.toLocaleString('en-US')}-event realistic month`, `${f2(realistic.compute.seconds)} s`, '≤ 2 s', realistic.compute.seconds <= 2);

  const again = chargeback(realistic.ledger, ['ingest', realistic.file, '--source', 'gateway']);
  goal('re-ingest of the same file', `${f2(again.seconds)} s`, '≤ 1 s (a no-op)', again.seconds <= 1);
  const overlapFile = join(work, 'overlap.csv');
  await writeGatewayCsv(overlapFile, { kind: 'realistic', from: Math.floor(rows / 2), to: Math.floor(rows / 2) + rows });
  const overlap = chargeback(realistic.ledger, ['ingest', overlapFile, '--source', 'gateway']);
  log(`overlapping file (half new): ${f2(overlap.seconds)} s, ${mb(overlap.peakRssMb)} MB`);
  rmSync(overlapFile);

  const scaling: [string, number, Measured][] = [];
  for (const dims of [10_000, 100_000, 1_000_000]) {
    const m = await ledgerOf(`dims-${dims}`, { kind: 'realistic', from: 0, to: rows, dims });
    scaling.push([`${dims}`, rows, m]);
    rmSync(m.ledger);
    rmSync(m.file);
  }
  const bigOne = await ledgerOf('big', { kind: 'realistic', from: 0, to: big });
  scaling.push(['realistic', rows, realistic], ['big', big, bigOne]);
  scaling.sort((a, b) => a[1] - b[1] || a[2].dims - b[2].dims);
  scalingTable(scaling);
  goal(`ingest of ${big.toLocaleString('en-US')} realistic rows: peak RSS`, `${mb(bigOne.ingest.peakRssMb)} MB vs ${mb(realistic.ingest.peakRssMb)} MB`,
    'within 10% of the 1M ingest', bigOne.ingest.peakRssMb <= realistic.ingest.peakRssMb * 1.1);
  goal(`compute of a ${big.toLocaleString('en-US')}-event realistic month`, `${f2(bigOne.compute.seconds)} s`, '≤ 5 s', bigOne.compute.seconds <= 5);
  goal('peak RSS of that compute', `${mb(bigOne.compute.peakRssMb)} MB`, '≤ 250 MB', bigOne.compute.peakRssMb <= 250);
  const computeRss = scaling.map(([, , m]) => m.compute.peakRssMb);
  goal('compute RSS flat in events and dims', `${mb(Math.min(...computeRss))}–${mb(Math.max(...computeRss))} MB`, 'flat (max within 1.5× min)',
    Math.max(...computeRss) <= 1.5 * Math.min(...computeRss));
  for (const [name, argv] of [
    ['explain', ['explain', '--month', '2026-10', '--cost-centre', 'CC-1']],
    ['budgets', ['budgets', '--month', '2026-10', '--rate-card', cardPath, '--as-of', '2026-10-20T00:00:00Z']],
    ['diff', ['diff', '--month', '2026-10', '--rate-card', whatIfPath]],
  ] as const) {
    const run = chargeback(bigOne.ledger, [...argv]);
    goal(`${name} on the ${big.toLocaleString('en-US')}-event ledger`, `${f2(run.seconds)} s, ${mb(run.peakRssMb)} MB`, '≤ 2 s', run.seconds <= 2);
  }

  // Issue 21: SLO credits read the month's latencies and failed requests from the events.
  const slo = chargeback(bigOne.ledger, ['compute', '--month', '2026-10', '--rate-card', sloPath]);
  goal(`compute with SLO credits on the ${big.toLocaleString('en-US')}-event ledger`, `${f2(slo.seconds)} s, ${mb(slo.peakRssMb)} MB (without: ${f2(bigOne.compute.seconds)} s)`,
    '≤ 5 s', slo.seconds <= 5);

  // The HTML report has no goal yet (issue 19): its figure, on the same ledger.
  const report = chargeback(bigOne.ledger, ['report', '--month', '2026-10', '--by', 'tag.feature', '--output', join(work, 'report.html')]);
  tables.push(`HTML report of the ${big.toLocaleString('en-US')}-event month (every centre, --by tag.feature; no goal yet)\n| seconds | peak RSS MB |\n|---|---|\n| ${f2(report.seconds)} | ${mb(report.peakRssMb)} |`);

  await billingExports();

  console.log(`\nchargeback bench — ${machine()}\n`);
  for (const table of tables) console.log(`${table}\n`);
  console.log('| goal (issue 11) | measured | target | met |\n|---|---|---|---|');
  for (const g of goals) console.log(`| ${g.what} | ${g.measured} | ${g.goal} | ${g.met === null ? 'not measured' : g.met ? 'yes' : 'NO'} |`);
  // Last, in this process: holding a whole file in memory must not weigh on the figures above.
  const samples = join(ROOT, 'fixtures/data');
  const parsers = existsSync(samples) ? compareParsers(samples, realistic.file) : [];
  if (parsers.length > 0) printParsers(parsers);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ machine: machine(), rows, big, goals, tables, parsers }, null, 2)}\n`);
}

/**
 * A billing export of `--billing-rows` distinct FOCUS rows (the real 1.0 sample, repeated with
 * fresh ids), as CSV and as Parquet the way exporters write it (typed, snappy, 100k-row
 * groups): chargeback's ingest of each beside DuckDB summing the same Parquet file.
 */
async function billingExports() {
  const sample = join(ROOT, 'fixtures/data/focus/focus-1.0_sample_multicloud.csv');
  const count = Number(option('--billing-rows', '200000'));
  const copies = Math.ceil(count / 1000);
  const base = join(work, 'focus');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE TABLE f AS SELECT src.* REPLACE (src.Id + i * 1000000 AS Id)
    FROM read_csv('${sample}', header = true) src, range(${copies}) t(i) LIMIT ${count}`);
  await connection.run(`COPY f TO '${base}.csv' (HEADER)`);
  await connection.run(`COPY f TO '${base}.parquet' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE 100000)`);
  const start = process.hrtime.bigint();
  await connection.runAndReadAll(`SELECT SUM(BilledCost) FROM read_parquet('${base}.parquet')`);
  const duck = Number(process.hrtime.bigint() - start) / 1e9;
  connection.closeSync();
  const lines = ['| FOCUS export, ' + count.toLocaleString('en-US') + ' rows | MB | chargeback ingest s | peak RSS MB | DuckDB SUM s |', '|---|---:|---:|---:|---:|'];
  for (const ext of ['csv', 'parquet']) {
    const ledger = join(work, `billing-${ext}.db`);
    chargeback(ledger, ['init']);
    const run = chargeback(ledger, ['ingest', `${base}.${ext}`, '--source', 'billing']);
    lines.push(`| ${ext} | ${(statSync(`${base}.${ext}`).size / 1e6).toFixed(1)} | ${f2(run.seconds)} | ${mb(run.peakRssMb)} | ${ext === 'parquet' ? duck.toFixed(3) : ''} |`);
    log(`billing ${ext}: ${f2(run.seconds)} s, ${mb(run.peakRssMb)} MB`);
    rmSync(ledger);
  }
  tables.push(lines.join('\n'));
}

function printParsers(parsers: ParserFigures[]) {
  console.log(`\nCSV parsers, whole file in memory, parse only (${rows.toLocaleString('en-US')} realistic rows); samples: cells equal to csv-parse's`);
  console.log('| parser | real samples equal | seconds | rows/s |');
  console.log('|---|---|---:|---:|');
  for (const p of parsers) {
    console.log(`| ${p.parser} | ${p.samplesEqual} | ${p.seconds.toFixed(2)} | ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} |`);
  }
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

await main();
