import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Decimal } from 'decimal.js';
import { TOP_IDENTITIES } from '../../src/domain/breakdowns.js';
import { inProcess, workspace } from './cli.js';

/*
 * Each run stores what lies behind its lines (issue 30): explain reads it and classifies
 * nothing again, so a run's drill-down is its books by construction. Held here to the live
 * read it replaces (byte-identical while the month has at most TOP_IDENTITIES identities),
 * to `runs --verify`, and to its bound: the long tail summed into one "others" entry, exactly.
 */
const CARD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-A, name: Alpha, match: { team: [alpha] } }
  - { id: CC-B, name: Beta, match: { team: [beta] } }
pools:
  - { id: shared, cost: { fixed: "1000.00" }, method: proportional, driver: tokens }
  - { id: proxy, cost: { fixed: "250.00" }, method: proxy-price-per-token, driver: weighted_tokens, weights: { input: "1", output: "3" }, tier_multipliers: { batch: "0.5" }, capacity: "10000000", idle: spread }
  - { id: feat, cost: { fixed: "300.00" }, usage: { tags: { feature: [chat, agent] } }, method: proportional, driver: requests }
  - id: api
    method: price-list
    prices: [{ model: "*", per_million: { input: "1.00", output: "2.00" } }]
`;

/** `users` users over the month, across teams, models, tiers and days; deterministic. */
function log(users: number, rows: number): string {
  const lines = ['timestamp,request_id,user,team,model,tier,input_tokens,output_tokens,tag.feature'];
  for (let i = 0; i < rows; i++) {
    const day = String((i % 31) + 1).padStart(2, '0');
    lines.push(`2026-10-${day}T${String(i % 24).padStart(2, '0')}:00:00Z,r${i},u${i % users},${['alpha', 'beta', 'gamma'][i % 3]},${['m-large', 'm-small'][i % 2]},${i % 5 === 0 ? 'batch' : ''},${100 + (i * 37) % 900},${10 + (i * 13) % 90},${['chat', 'agent', 'rag', ''][i % 4]}`);
  }
  return `${lines.join('\n')}\n`;
}

const explainJson = async (run: ReturnType<typeof inProcess>, centre: string) => {
  const result = await run('explain', '-m', '2026-10', '--cost-centre', centre, '-f', 'json');
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

describe('each run stores what lies behind its lines (issue 30)', () => {
  it("explain reads the run's breakdowns, byte-identical to reading the month again, and runs --verify holds them", async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    writeFileSync(join(dir, 'log.csv'), log(40, 600));
    writeFileSync(join(dir, 'card.yaml'), CARD);
    assert.equal((await run('ingest', join(dir, 'log.csv'), '--source', 'gateway')).code, 0);
    assert.equal((await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'))).code, 0);
    const report = async () => {
      assert.equal((await run('report', '-m', '2026-10', '--by', 'tag.feature', '-o', join(dir, 'report.html'))).code, 0);
      return readFileSync(join(dir, 'report.html'), 'utf8');
    };
    const byFeature = async () => (await run('explain', '-m', '2026-10', '--by', 'tag.feature', '-f', 'csv')).stdout;
    const stored = { a: await explainJson(run, 'CC-A'), unallocated: await explainJson(run, 'CC-0000'), report: await report(), byFeature: await byFeature() };
    // The run's lines hold their breakdowns: event-driven pools only (a price list shows its terms).
    const db = new Database(ledger);
    const kept = db.prepare('SELECT pool, COUNT(breakdown) AS n FROM run_lines GROUP BY pool ORDER BY pool').all();
    assert.deepEqual(kept, [{ pool: 'api', n: 0 }, { pool: 'feat', n: 3 }, { pool: 'proxy', n: 3 }, { pool: 'shared', n: 3 }]);
    // As a run stored before breakdowns were: explain reads the month again, and says the same.
    db.prepare('UPDATE run_lines SET breakdown = NULL').run();
    db.prepare('UPDATE runs SET views = NULL').run();
    db.close();
    assert.equal(await explainJson(run, 'CC-A'), stored.a);
    assert.equal(await explainJson(run, 'CC-0000'), stored.unallocated);
    // The report and unit costs by a tag the card filters on too (the trend, GPU and anomalies included).
    assert.equal(await report(), stored.report);
    assert.equal(await byFeature(), stored.byFeature);
    // Recomputed, a run that stored none is held to its lines; compute again, and verify holds the breakdowns too.
    assert.equal((await run('runs', '--verify', '1')).code, 0);
    assert.equal((await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'))).code, 0);
    assert.equal((await run('runs', '--verify', '2')).code, 0);
    const tampered = new Database(ledger);
    tampered.prepare("UPDATE run_lines SET breakdown = replace(breakdown, '\"m-large\"', '\"m-huge\"') WHERE run_id = 2 AND pool = 'shared'").run();
    tampered.close();
    const verified = await run('runs', '--verify', '2');
    assert.equal(verified.code, 1);
    assert.match(verified.stderr, /breakdown/);
  });

  it('keeps the largest identities and sums the rest into one entry with its count, exactly', async () => {
    const { dir, ledger } = workspace();
    const run = inProcess(ledger, '2026-11-02T00:00:00Z');
    const users = TOP_IDENTITIES * 3 + 1;
    writeFileSync(join(dir, 'log.csv'), log(users, users * 4));
    writeFileSync(join(dir, 'card.yaml'), CARD);
    await run('ingest', join(dir, 'log.csv'), '--source', 'gateway');
    assert.equal((await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml'))).code, 0);
    const stored = JSON.parse(await explainJson(run, 'CC-A')) as { lines: { pool: string; quantity: string; by_identity: { identity: string; quantity: string }[] | null }[] };
    const line = stored.lines.find((l) => l.pool === 'shared')!;
    const identities = line.by_identity!;
    assert.equal(identities.length, TOP_IDENTITIES + 1);
    const others = identities.at(-1)!;
    const alpha = new Set(log(users, users * 4).trim().split('\n').slice(1).filter((r) => r.split(',')[3] === 'alpha').map((r) => r.split(',')[2]));
    assert.equal(others.identity, `(${alpha.size - TOP_IDENTITIES} others)`);
    const total = identities.reduce((sum, e) => sum.plus(e.quantity), new Decimal(0));
    assert.equal(total.toFixed(), new Decimal(line.quantity).toFixed());
    // The kept ones are the largest: none is below what any single other could be (the others' largest is at most their sum).
    const kept = identities.slice(0, -1).map((e) => new Decimal(e.quantity));
    assert.ok(kept.every((q, i) => i === 0 || q.lessThanOrEqualTo(kept[i - 1]!)));
  });
});
