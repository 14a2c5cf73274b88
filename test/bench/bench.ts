// npm run bench [-- --rows N] [--big N] [--json FILE]: the speed and memory goals of issue 4,
// measured on one generated file in one run, printed as a table. Figures, not assertions.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { writeGatewayCsv } from './generate.js';
import { compareParsers, type ParserFigures } from './parsers.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
};
const rows = Number(option('--rows', '1000000'));
const big = Number(option('--big', String(rows * 5)));
const jsonPath = option('--json', '');
const parsersOnly = args.includes('--parsers');

interface Figure {
  what: string;
  seconds: number;
  rowsPerSecond?: number;
  peakRssMb?: number;
  goal?: string;
  met?: boolean;
}
const figures: Figure[] = [];
const work = mkdtempSync(join(tmpdir(), 'chargeback-bench-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

function timed(command: string, argv: string[], env: Record<string, string> = {}) {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, argv, { cwd: work, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const rss = /max_rss_kb=(\d+)/.exec(result.stderr ?? '');
  if (result.status !== 0 && result.status !== 1) throw new Error(`${command} ${argv.join(' ')} failed: ${result.stderr}`);
  return { seconds, peakRssMb: rss ? Number(rss[1]) / 1024 : undefined, stdout: result.stdout };
}

function chargeback(ledger: string, argv: string[]) {
  return timed(process.execPath, [join(ROOT, 'dist/test/bench/with-rss.js'), '--ledger', ledger, ...argv]);
}

function record(figure: Figure) {
  figures.push(figure);
  const rss = figure.peakRssMb === undefined ? '' : `, peak RSS ${figure.peakRssMb.toFixed(0)} MB`;
  const rate = figure.rowsPerSecond === undefined ? '' : `, ${Math.round(figure.rowsPerSecond).toLocaleString('en-US')} rows/s`;
  console.error(`  ${figure.what}: ${figure.seconds.toFixed(2)} s${rate}${rss}`);
}

const CARD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, name: Search, match: { team: [search, search-eval] } }
  - { id: CC-2, name: Support, match: { team: [support] } }
  - { id: CC-3, name: Research, match: { team: [research] } }
  - { id: CC-4, name: Ads, match: { team: [ads, maps] } }
pools:
  - { id: proxy, cost: { fixed: "38000.00" }, overhead_pct: "12", usage: { models: [llama-3-70b, llama-3-8b] },
      method: proxy-price-per-token, driver: weighted_tokens, weights: { input: "1", output: "3" },
      tier_multipliers: { priority: "1.5", batch: "0.5" }, capacity: "40000000000", idle: spread }
  - { id: prop, cost: { fixed: "9000.00" }, usage: { models: [bge-large] }, method: proportional, driver: tokens }
  - { id: gpus, cost: { fixed: "9200.00" }, usage: { sources: [gpu] }, method: time-based, driver: gpu_hours, rate: "2.10" }
  - id: tiered
    usage: { models: [gpt-4o] }
    method: tiered
    driver: output_tokens
    per: 1000
    tiers: [{ up_to: 1000000, price: "0.01" }, { up_to: 10000000, price: "0.008" }, { price: "0.006" }]
  - { id: slo, usage: { tiers: [priority] }, method: flat-plus-overage, driver: requests, subscribers: [CC-2],
      flat: "500.00", included: 200000, per: 1000, overage: "1.20" }
  - { id: other, cost: { fixed: "1000.00" }, usage: { models: [mistral-7b, qwen-72b] }, method: proportional, driver: requests }
  - id: platform
    cost: { fixed: "15000.00" }
    method: hybrid
    components:
      - { weight: "0.25", split: even }
      - { weight: "0.25", split: shares, shares: { CC-1: 2, CC-2: 1 } }
      - { weight: "0.50", split: driver, driver: charges }
`;

async function main() {
  console.error(`chargeback bench: ${rows.toLocaleString('en-US')} rows (big: ${big.toLocaleString('en-US')}), in ${work}`);
  const file = join(work, 'gateway.csv');
  const overlap = join(work, 'overlap.csv');
  const bigFile = join(work, 'gateway-big.csv');
  const card = join(work, 'card.yaml');
  writeFileSync(card, CARD);
  await writeGatewayCsv(file, 0, rows);
  await writeGatewayCsv(overlap, Math.floor(rows / 2), Math.floor(rows / 2) + rows);
  const megabytes = statSync(file).size / 1e6;
  console.error(`  generated ${megabytes.toFixed(0)} MB`);

  if (parsersOnly) {
    printParsers(compareParsers(join(ROOT, '../shared/data'), file));
    return;
  }
  const floor = sqliteImport(file);
  const ledger = join(work, 'ledger.db');
  const ingest = chargeback(ledger, ['ingest', file, '--source', 'gateway']);
  const ratio = floor === null ? null : ingest.seconds / floor;
  record({ what: `ingest ${rows} rows`, seconds: ingest.seconds, rowsPerSecond: rows / ingest.seconds, peakRssMb: ingest.peakRssMb,
    goal: floor === null ? 'within 2× sqlite3 .import (no sqlite3 shell: not measured)' : `within 2× sqlite3 .import (${ratio!.toFixed(2)}×)`,
    met: ratio === null ? undefined : ratio <= 2 });
  record({ what: 'ingest peak RSS', seconds: ingest.seconds, peakRssMb: ingest.peakRssMb, goal: 'under 200 MB', met: (ingest.peakRssMb ?? 0) < 200 });
  const again = chargeback(ledger, ['ingest', file, '--source', 'gateway']);
  record({ what: 're-ingest of the same file', seconds: again.seconds, peakRssMb: again.peakRssMb, goal: 'under 1 s', met: again.seconds < 1 });
  const over = chargeback(ledger, ['ingest', overlap, '--source', 'gateway']);
  record({ what: 'ingest of an overlapping file (half new)', seconds: over.seconds, rowsPerSecond: rows / over.seconds, peakRssMb: over.peakRssMb });
  const computeSmall = chargeback(ledger, ['compute', '--month', '2026-10', '--rate-card', card]);
  record({ what: `compute, ${Math.floor(rows * 1.5)} events, every method`, seconds: computeSmall.seconds, peakRssMb: computeSmall.peakRssMb });

  await writeGatewayCsv(bigFile, 0, big);
  const bigLedger = join(work, 'big.db');
  const bigIngest = chargeback(bigLedger, ['ingest', bigFile, '--source', 'gateway']);
  record({ what: `ingest ${big} rows`, seconds: bigIngest.seconds, rowsPerSecond: big / bigIngest.seconds, peakRssMb: bigIngest.peakRssMb,
    goal: 'peak RSS within 20% of the small ingest', met: bigIngest.peakRssMb !== undefined && ingest.peakRssMb !== undefined && bigIngest.peakRssMb <= ingest.peakRssMb * 1.2 });
  const computeBig = chargeback(bigLedger, ['compute', '--month', '2026-10', '--rate-card', card]);
  record({ what: `compute, ${big} events, every method`, seconds: computeBig.seconds, peakRssMb: computeBig.peakRssMb,
    goal: 'under 5 s and 300 MB', met: computeBig.seconds < 5 && (computeBig.peakRssMb ?? 0) < 300 });

  printTable(floor, megabytes);
  // Last, in this process: holding the whole file in memory must not weigh on the figures above.
  const parsers = compareParsers(join(ROOT, '../shared/data'), file);
  printParsers(parsers);
  if (jsonPath) writeFileSync(jsonPath, `${JSON.stringify({ machine: machine(), rows, big, floorSeconds: floor, figures, parsers }, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
}

function sqliteImport(file: string): number | null {
  if (spawnSync('sqlite3', ['--version']).status !== 0) {
    console.error('  sqlite3 shell not found (apt-get install sqlite3): the floor and the ratio are skipped');
    return null;
  }
  const db = join(work, 'floor.db');
  const { seconds } = timed('sqlite3', [db, '-cmd', '.mode csv', `.import ${file} usage`]);
  record({ what: 'floor: sqlite3 .import into a plain table', seconds, rowsPerSecond: rows / seconds });
  return seconds;
}

function printParsers(parsers: ParserFigures[]) {
  console.log(`\nCSV parsers, whole file in memory, parse only (${rows.toLocaleString('en-US')} rows); samples: cells equal to csv-parse's`);
  console.log('| parser | real samples equal | seconds | rows/s |');
  console.log('|---|---|---:|---:|');
  for (const p of parsers) {
    console.log(`| ${p.parser} | ${p.samplesEqual} | ${p.seconds.toFixed(2)} | ${Math.round(p.rowsPerSecond).toLocaleString('en-US')} |`);
  }
}

function machine(): string {
  return `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
}

function printTable(floor: number | null, megabytes: number) {
  console.log(`\nchargeback bench — ${machine()}; ${rows.toLocaleString('en-US')} rows = ${megabytes.toFixed(0)} MB`);
  console.log('| what | seconds | rows/s | peak RSS MB | goal | met |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const f of figures) {
    const rate = f.rowsPerSecond === undefined ? '' : Math.round(f.rowsPerSecond).toLocaleString('en-US');
    const rss = f.peakRssMb === undefined ? '' : f.peakRssMb.toFixed(0);
    const met = f.met === undefined ? '' : f.met ? 'yes' : 'NO';
    console.log(`| ${f.what} | ${f.seconds.toFixed(2)} | ${rate} | ${rss} | ${f.goal ?? ''} | ${met} |`);
  }
  if (floor !== null) console.log(`\ningest / floor = ${(figures[1]!.seconds / floor).toFixed(2)}×`);
}

await main();
