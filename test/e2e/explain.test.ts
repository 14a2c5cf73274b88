import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import { cliIn, fixture, workspace } from './cli.js';

function sumOf(list: string): string {
  return list.split('; ').map((entry) => entry.split(' ').at(-1)!).reduce((s, q) => s.plus(q), new Decimal(0)).toFixed();
}

/** Every "amount, term by term" block of an explain: its terms' sum and the line it must equal. */
function termBlocks(stdout: string): { sum: Decimal; line: string }[] {
  return [...stdout.matchAll(/  amount, term by term:\n((?: {4}[+−] .*\n)+) {4}= (-?[\d.]+)/g)].map((m) => ({
    sum: m[1]!.trim().split('\n').reduce((s, row) => {
      const [, sign, value] = /^\s*([+−]) ([\d.]+)/.exec(row)!;
      return sign === '−' ? s.minus(value!) : s.plus(value!);
    }, new Decimal(0)),
    line: m[2]!,
  }));
}

describe('explain', () => {
  it('reconstructs every amount: priced or shared quantity, rounding, idle share and components add up to the line, for every method', async () => {
    const { dir } = workspace();
    const card = join(dir, 'card.yaml');
    // Spread idle, so that price lines carry an idle share too.
    writeFileSync(card, readFileSync(fixture('spec-example/ratecard.yaml'), 'utf8').replaceAll('idle: unallocated', 'idle: spread'));
    await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card])).code, 0);
    const statement = (await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv'])).stdout.trim().split('\n').slice(1).map((r) => r.split(','));
    const methods = new Set<string>();
    let blocks = 0;
    for (const centre of new Set(statement.map((r) => r[1]!))) {
      // Every decimal (--exact): the terms add up to the line exactly.
      const run = await cliIn(dir, ['explain', '--month', '2026-10', '--cost-centre', centre, '--exact']);
      assert.equal(run.code, 0, run.stderr);
      for (const { sum, line } of termBlocks(run.stdout)) {
        assert.equal(sum.toDecimalPlaces(2).toFixed(2), line, `${centre}: terms ${sum.toFixed()} against ${line}`);
        blocks++;
      }
      for (const row of statement.filter((r) => r[1] === centre)) methods.add(row[4]!);
      if (/share of the pool's idle/.test(run.stdout)) methods.add('spread idle share');
    }
    assert.equal(blocks, statement.length, 'one block per statement row');
    for (const method of ['proportional', 'proxy-price-per-token', 'tiered', 'flat-plus-overage', 'hybrid', 'spread idle share']) assert.ok(methods.has(method), method);
  });

  it("breaks each line's quantity down by model, user and day, each adding up to the statement line", async () => {
    const { dir } = workspace();
    const card = join(dir, 'card.yaml');
    copyFileSync(fixture('spec-example/ratecard.yaml'), card);
    await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card]);
    const run = await cliIn(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-4100', '--exact']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^Explain CC-4100 Search — 2026-10, run 1: 10,188\.73 USD/);
    // For people (issue 33): quantities grouped, a term rounded to four places marked ≈, the line exact.
    const readable = (await cliIn(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-4100'])).stdout;
    assert.match(readable, /llm-cluster \(proxy-price-per-token\): 1,010\.80\n {2}cost: fixed 38000 × \(1 \+ 12%\) → C 42560\.00\n {2}quantity: 950,000,004\.5 weighted_tokens \(61\.89% of the pool's 1,535,000,004\.5\) at 0\.000001064 per unit\n {2}amount, term by term:\n {4}\+ 1,010\.80 ≈ {2}.*\n {4}− 0\.000004788 {2}rounding/);
    assert.match(readable, /\n {4}= 1,010\.80\n/);
    const statement = (await cliIn(dir, ['statement', '--month', '2026-10', '--cost-centre', 'CC-4100', '--format', 'csv'])).stdout.trim().split('\n').slice(1);
    for (const section of run.stdout.split('\n\n').slice(1)) {
      const pool = section.split(' ')[0]!;
      const row = statement.find((r) => r.split(',')[3] === pool)!.split(',');
      assert.match(section, new RegExp(`^${pool} \\(${row[4]}\\): [\\d,]+\\.\\d\\d`), pool);
      const by = (label: string) => new RegExp(`  by ${label}: (.*)`).exec(section)?.[1];
      if (!by('model')) continue; // hybrid: no single driver
      for (const label of ['model', 'user or key', 'day']) assert.equal(sumOf(by(label)!), new Decimal(row[6]!).toFixed(), `${pool} by ${label}`);
    }
    assert.match(run.stdout, /llm-cluster \(proxy-price-per-token\): 1,010\.80\n {2}cost: fixed 38000 × \(1 \+ 12%\) → C 42560\.00\n {2}quantity: 950000004\.5 weighted_tokens \(61\.89% of the pool's 1535000004\.5\)/);
  });

  it("explains from the card text the run stored, and refuses a --rate-card that is not the run's (its SHA-256 differs)", async () => {
    const { dir } = workspace();
    const card = join(dir, 'card.yaml');
    copyFileSync(fixture('golden/ratecard.yaml'), card);
    await cliIn(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', card]);
    writeFileSync(card, `${readFileSync(card, 'utf8')}# edited later\n`);
    const stored = await cliIn(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-4100']);
    assert.equal(stored.code, 0, stored.stderr);
    assert.match(stored.stdout, /^Explain CC-4100 Search — 2026-10, run 1: 644\.28 USD/);
    const run = await cliIn(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-4100', '--rate-card', card]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /card\.yaml is not the rate card run 1 used \(SHA-256 differs\): pass the card it used with --rate-card\n$/);
  });
});
