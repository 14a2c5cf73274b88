import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chargeback, fixture, workspace } from './cli.js';

/*
 * SLO credits end to end (issue 21), on fixtures/slo: Search's premium tier broke its p99
 * (200 ms against 100 ms) and its availability (101 of 102 requests ok), Support's kept
 * both. The golden cases compute-, statement- and explain-slo-credits hold the exact
 * outputs on both backends; this checks what a finance user and an auditor would.
 */
describe('SLO credits (issue 21)', () => {
  const card = fixture('slo/ratecard.yaml');
  const { dir } = workspace();
  const run = (args: string[]) => chargeback(dir, args);

  it('credits the breached tier as its own line, reconciles, recomputes byte for byte and shows in the report', () => {
    assert.equal(run(['ingest', fixture('slo/gateway-2026-10.csv'), '--source', 'gateway']).code, 0);
    const computed = run(['compute', '-m', '2026-10', '-r', card]);
    assert.equal(computed.code, 0, computed.stderr);
    assert.match(computed.stdout, /reconciled/);
    const statement = JSON.parse(run(['statement', '-m', '2026-10', '-f', 'json']).stdout) as { lines: { cost_centre: string; method: string; amount: string }[] };
    const credits = statement.lines.filter((l) => l.method === 'slo-credit');
    assert.deepEqual(credits.map((l) => [l.cost_centre, l.amount]), [['CC-4100', '-1005.98']]);
    // The ERP journal still balances with a negative line in it.
    assert.equal(run(['export', 'erp', '-m', '2026-10']).code, 0);
    // The run recomputes from its batches: latencies and failed requests are in the ledger, not only sums.
    const verified = run(['runs', '--verify', '1']);
    assert.equal(verified.code, 0, verified.stderr);
    const report = join(dir, 'report.html');
    assert.equal(run(['report', '-m', '2026-10', '-o', report]).code, 0);
    const html = readFileSync(report, 'utf8');
    assert.match(html, /<h3>Service levels<\/h3>.*<tr><td>llm-cluster<\/td><td>premium<\/td><td class="num">≤ 100 ms<\/td><td class="num">200 ms<\/td><td class="num">≥ 99\.9%<\/td><td class="num">99\.0196%<\/td><td class="num">25%<\/td><td class="num">-1,005\.98<\/td><\/tr>/);
    // A kept promise shows too, with nothing credited.
    const support = JSON.parse(run(['explain', '-m', '2026-10', '--cost-centre', 'CC-4200', '-f', 'json']).stdout) as { service_levels: unknown[] };
    assert.deepEqual(support.service_levels, [{ pool: 'llm-cluster', tier: 'premium', promised_p99_ms: '100', p99_ms: '60', promised_availability_pct: '99.9',
      availability_pct: '100', ok_requests: '100', failed_requests: '0', requests_without_latency: '0', credit_pct: '0', credit: '0.00' }]);
  });
});
