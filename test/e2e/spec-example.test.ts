import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cliIn, fixture, workspace } from './cli.js';

/*
 * The SPEC §4 example card, verbatim, on fixtures/spec-example/gateway-2026-10.csv (October 2026).
 * Owners: search, search-eval → CC-4100; bot@example.com, helpdesk → CC-4200; growth → CC-0000 (unmatched).
 * r10 has status 500 and counts nowhere. No GPU telemetry and no billing records are in the ledger.
 *
 * llm-cluster (proxy): C = 38000.00 × 1.12 = 42560.00; p = C / 4e10 = 0.000001064
 *   weighted = (in − cached) × 1 + cached × 1 + out × 3, × tier (priority 1.5, batch 0.5)
 *   CC-4100: r1 600M + 300M = 900M; r2 100M × 0.5 = 50M; r11 3 × 1.5 = 4.5      → 950,000,004.5
 *            × 42560 / 4e10 = 1010.800004788                                      → 1010.80
 *   CC-4200: r5 (200M + 150M) × 1.5 = 525M                                        → 558.60
 *   CC-0000: r8 30M + 30M = 60M                                                   → 63.84
 *   idle = 42560.00 − 1633.24                                                     = 40926.76 (CC-0000)
 * embeddings: billing filter matches nothing → C = 0.00 (warning); tokens CC-4100 5M, CC-4200 3M → 0.00 each
 * research-gpus: C = 9200.00, no GPU hours → all idle                            → 9200.00 (CC-0000)
 * hosted-api (graduated, output tokens, per 1000), a price list:
 *   CC-4100 2.5M: 1M × 0.01 + 1.5M × 0.008 = 10 + 12 → 22.00 (average 0.0000088)
 *   CC-4200 12M:  10 + 9M × 0.008 + 2M × 0.006 = 10 + 72 + 12 → 94.00
 *   CC-0000 999,999 × 0.01 / 1000 = 9.99999 → 10.00
 * premium-slo (priority requests): CC-4100 r11 and CC-4200 r5, 1 each, ≤ 200,000 included → 500.00 each
 * platform-team (hybrid, takes every event): C = 1,500,000 cents → 375,000 / 375,000 / 750,000
 *   even over CC-4100, CC-4200 (centres with usage; CC-4300 has none) → 187,500 each
 *   shares 2:1 → 250,000 and 125,000
 *   charges: CC-4100 1010.80 + 0 + 22 + 500 = 1532.80; CC-4200 558.60 + 0 + 94 + 500 = 1152.60; Q = 2685.40
 *     750,000 × 1532.80 / 2685.40 = 428,092 rem 174,320/268,540;  × 1152.60 / 2685.40 = 321,907 rem 94,220/268,540
 *     one leftover cent → CC-4100: 428,093 and 321,907
 *   CC-4100 187,500 + 250,000 + 428,093 = 8655.93;  CC-4200 187,500 + 125,000 + 321,907 = 6344.07
 * Σ = pool costs 42560 + 0 + 9200 + 15000 = 66,760.00 + price lists 126 + 1000 = 1,126.00 → 67,886.00
 */
describe('the SPEC §4 example rate card, end to end', () => {
  const { dir } = workspace();

  it('computes October and reconciles, warning about the empty billing filter and the unmatched team', async () => {
    assert.equal((await cliIn(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway'])).code, 0);
    const run = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('spec-example/ratecard.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Σ lines 67,886\.00 = Σ pool costs 66,760\.00 \+ price-list charges 1,126\.00: reconciled/);
    assert.match(run.stderr, /pool embeddings: its billing filter matches no records in the month; its cost is 0\.00/);
    assert.match(run.stderr, /usage matched no cost centre: team=growth user=dan → CC-0000/);
  });

  it('prints the statement CSV exactly as the hand-worked golden file', async () => {
    const statement = await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'csv']);
    assert.equal(statement.stdout, readFileSync(fixture('spec-example/statement-2026-10.csv'), 'utf8'));
  });

  it('shows per-centre totals, the unallocated centre and its idle lines last', async () => {
    const table = (await cliIn(dir, ['statement', '--month', '2026-10', '--wide'])).stdout;
    const order = ['CC-4100', 'CC-4200', 'CC-0000'].map((id) => table.indexOf(`│ ${id}`));
    assert.deepEqual([...order].sort((a, b) => a - b), order);
    assert.match(table, /│ CC-4100 +│ +│ total .*│ +10,188\.73 │/);
    assert.match(table, /│ CC-0000 +│ +│ llm-cluster +│ idle .*│ +40,926\.76 │/);
  });
});
