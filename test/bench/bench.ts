// npm run bench [-- --rows N] [--big N] [--billing-rows N] [--json FILE]: issue 11's speed and memory goals, measured in
// one run on generated gateway logs of the realistic shape (and the old simple one, for contrast),
// beside the sqlite3 shell's .import and DuckDB's one-shot GROUP BY of the same files. Figures,
// not assertions: a goal not met is printed as NO.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
/** The views issue 30 sets targets for (× .import of the realistic 1M file); compute is ledgerOf's own run. */
const VIEWS = [
  ['compute', [], 1.0],
  ['explain of one centre', ['explain', '--month', '2026-10', '--cost-centre', 'CC-1'], 0.25],
  ['budgets', ['budgets', '--month', '2026-10', '--rate-card', cardPath, '--as-of', '2026-10-20T00:00:00Z'], 1.0],
  ['diff', ['diff', '--month', '2026-10', '--rate-card', whatIfPath], 1.0],
  ['report of every centre --by tag.feature', ['report', '--month', '2026-10', '--by', 'tag.feature', '--output', join(work, 'report.html')], 1.5],
] as const;
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

/**
 * The sqlite3 shell's .import of a file into a plain table: the floor ingest is measured
 * against. `keyed`: into a table whose request id is UNIQUE, at the ledger's page cache
 * (16 MB): the least any ingest does that must never store a request twice.
 */
function sqliteImport(file: string, keyed = false): number | null {
  if (spawnSync('sqlite3', ['--version']).status !== 0) return null;
  const db = join(work, 'floor.db');
  rmSync(db, { force: true });
  const header = firstLine(file).split(',');
  const table = `PRAGMA cache_size = -16384; CREATE TABLE usage (${header.map((c) => `"${c}"`).join(', ')}, UNIQUE ("request_id"));`;
  const argv = keyed ? [db, '-cmd', table, '-cmd', '.mode csv', `.import --skip 1 ${file} usage`] : [db, '-cmd', '.mode csv', `.import ${file} usage`];
  const { seconds } = timed('sqlite3', argv);
  rmSync(db, { force: true });
  return seconds;
}

/** A file's first line, read without the rest (the 5M file is larger than a string may be). */
function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(4096);
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).toString('utf8').split('\n')[0]!;
  } finally {
    closeSync(fd);
  }
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
  const keyedFloor = sqliteImport(file, true);
  const duck = await duckdbGroupBy(file);
  const ingest = chargeback(ledger, ['ingest', file, '--source', 'gateway']);
  const compute = chargeback(ledger, ['compute', '--month', '2026-10', '--rate-card', cardPath]);
  const dims = countDims(ledger);
  const stored = storedSize(ledger) ?? 0;
  const megabytes = statSync(file).size / 1e6;
  log(`${name}: ${(shape.to - shape.from).toLocaleString('en-US')} rows, ${megabytes.toFixed(0)} MB, ${dims.toLocaleString('en-US')} dims;` +
    ` ingest ${ingest.seconds.toFixed(2)} s / ${ingest.peakRssMb.toFixed(0)} MB, compute ${compute.seconds.toFixed(2)} s / ${compute.peakRssMb.toFixed(0)} MB`);
  return { file, ledger, floor, keyedFloor, duck, ingest, compute, dims, megabytes, stored };
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
    goal(`PostgreSQL ingest of ${rows.toLocaleString('en-US')} realistic rows`, `${f2(ingest.seconds)} s, ${ratio(ingest.seconds, realistic.ingest.seconds)} SQLite's`, '≤ 2× SQLite', ingest.seconds <= 2 * realistic.ingest.seconds);
    goal('PostgreSQL compute of that month', `${f2(compute.seconds)} s, ${ratio(compute.seconds, realistic.compute.seconds)} SQLite's`, '≤ 1.5× SQLite', compute.seconds <= 1.5 * realistic.compute.seconds);
    goal('PostgreSQL statement', same ? 'byte-identical' : 'DIFFERS', 'byte-identical to SQLite', same);
    tables.push(`Ledger backends, the realistic ${rows.toLocaleString('en-US')}-row file (PostgreSQL: a local throwaway cluster, fsync off; figures only)
| backend | ingest s | ingest RSS MB | compute s | compute RSS MB | statement |
|---|---:|---:|---:|---:|---|
| SQLite | ${f2(realistic.ingest.seconds)} | ${mb(realistic.ingest.peakRssMb)} | ${f2(realistic.compute.seconds)} | ${mb(realistic.compute.peakRssMb)} | |
| PostgreSQL | ${f2(ingest.seconds)} | ${mb(ingest.peakRssMb)} | ${f2(compute.seconds)} | ${mb(compute.peakRssMb)} | ${same ? 'byte-identical' : 'DIFFERS'} |`);
  } finally {
    cluster.stop();
  }
}

/** The bytes the month's latest run keeps behind its lines: its lines' breakdowns and its views. */
function storedSize(ledger: string | null): number | null {
  if (ledger === null || !existsSync(ledger)) return null;
  const db = new Database(ledger, { readonly: true });
  const run = db.prepare('SELECT MAX(id) FROM runs').pluck().get() as number;
  const bytes = (db.prepare('SELECT COALESCE(SUM(LENGTH(breakdown)), 0) FROM run_lines WHERE run_id = ?').pluck().get(run) as number) +
    (db.prepare('SELECT COALESCE(LENGTH(views), 0) FROM runs WHERE id = ?').pluck().get(run) as number);
  db.close();
  return bytes;
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
    '| shape | rows | MB | dims | sqlite3 .import s | .import, request id UNIQUE s | ingest s | ingest / .import | ingest RSS MB | compute s | compute RSS MB | DuckDB GROUP BY s | (ingest + compute) / DuckDB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...shapes.map(([name, m]) =>
      `| ${name} | ${rows.toLocaleString('en-US')} | ${mb(m.megabytes)} | ${m.dims.toLocaleString('en-US')} | ${m.floor === null ? '' : f2(m.floor)} | ${m.keyedFloor === null ? '' : `${f2(m.keyedFloor)} (${ratio(m.keyedFloor, m.floor)})`} | ` +
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
  // The views at 1M, before anything more is ingested into this ledger.
  const smallViews = VIEWS.map(([, argv]) => (argv.length === 0 ? realistic.compute : chargeback(realistic.ledger, [...argv])));
  const simple = await ledgerOf('simple', { kind: 'simple', from: 0, to: rows });
  shapesTable([['realistic', realistic], ['simple (the old best case)', simple]]);
  await postgresqlOf(realistic);
  // Issue 30's targets, each a ratio to the sqlite3 shell's .import of the realistic 1M file.
  const floor = realistic.floor;
  const within = (seconds: number, times: number) => (floor === null ? null : seconds <= times * floor);
  goal(`ingest of ${rows.toLocaleString('en-US')} realistic rows`, `${ratio(realistic.ingest.seconds, floor)} (.import with a unique request id alone: ${ratio(realistic.keyedFloor ?? NaN, floor)})`, '≤ 1.5× sqlite3 .import', within(realistic.ingest.seconds, 1.5));
  goal('peak RSS of that ingest', `${mb(realistic.ingest.peakRssMb)} MB`, '≤ 200 MB', realistic.ingest.peakRssMb <= 200);

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
  const bigFloor = floor === null ? null : floor * (big / rows);
  goal(`ingest of ${big.toLocaleString('en-US')} realistic rows`, ratio(bigOne.ingest.seconds, bigFloor), `≤ 1.5× ${big / rows} .imports`, bigFloor === null ? null : bigOne.ingest.seconds <= 1.5 * bigFloor);
  goal('peak RSS of that ingest', `${mb(bigOne.ingest.peakRssMb)} MB vs ${mb(realistic.ingest.peakRssMb)} MB at 1M`, '≤ 200 MB', bigOne.ingest.peakRssMb <= 200);
  goal(`compute of a ${big.toLocaleString('en-US')}-event realistic month`, `${f2(bigOne.compute.seconds)} s, ${ratio(bigOne.compute.seconds, floor)}`, '≤ 1.0× .import', within(bigOne.compute.seconds, 1));
  const sizes = scaling.map(([, events, m]) => [events, m.dims, m.stored] as const);
  tables.push(`What a run stores behind its lines (issue 30): breakdowns and views, bytes\n| events | distinct dims | bytes |\n|---:|---:|---:|\n${
    sizes.map(([events, dims, bytes]) => `| ${events.toLocaleString('en-US')} | ${dims.toLocaleString('en-US')} | ${bytes.toLocaleString('en-US')} |`).join('\n')}`);
  // Each view at 1M and at the big month: the targets at the big one, and the 50M projection, linear through both.
  const projections: string[] = [];
  const rss: number[] = [];
  for (const [i, [name, argv, times]] of VIEWS.entries()) {
    const small = smallViews[i]!;
    const large = argv.length === 0 ? bigOne.compute : chargeback(bigOne.ledger, [...argv]);
    rss.push(small.peakRssMb, large.peakRssMb);
    if (name !== 'compute') goal(`${name} on the ${big.toLocaleString('en-US')}-event ledger`, `${f2(large.seconds)} s, ${ratio(large.seconds, floor)}, ${mb(large.peakRssMb)} MB`, `≤ ${times}× .import`, within(large.seconds, times));
    const slope = (large.seconds - small.seconds) / (big - rows);
    projections.push(`| ${name} | ${f2(small.seconds)} | ${f2(large.seconds)} | ${f2(large.seconds + slope * (50_000_000 - big))} | ${mb(small.peakRssMb)} → ${mb(large.peakRssMb)} |`);
  }
  goal('every command\'s peak RSS', `${mb(Math.min(...rss))}–${mb(Math.max(...rss))} MB`, '≤ 300 MB, flat from 1M to 5M', Math.max(...rss) <= 300);
  tables.push(`Views as the month grows, and at 50M events (projected: linear through the two points)\n| view | ${rows.toLocaleString('en-US')} s | ${big.toLocaleString('en-US')} s | 50M s (projected) | peak RSS MB |\n|---|---:|---:|---:|---|\n${projections.join('\n')}`);

  // Issue 21: SLO credits read the month's latencies and failed requests from the events;
  // held to issue 30's compute target, as compute without them is.
  const slo = chargeback(bigOne.ledger, ['compute', '--month', '2026-10', '--rate-card', sloPath]);
  goal(`compute with SLO credits on the ${big.toLocaleString('en-US')}-event ledger`,
    `${f2(slo.seconds)} s, ${ratio(slo.seconds, floor)}, ${mb(slo.peakRssMb)} MB (without: ${f2(bigOne.compute.seconds)} s)`, '≤ 1.0× .import', within(slo.seconds, 1));

  await billingExports();

  console.log(`\nchargeback bench — ${machine()}\n`);
  for (const table of tables) console.log(`${table}\n`);
  console.log('| goal (issue 30) | measured | target | met |\n|---|---|---|---|');
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
