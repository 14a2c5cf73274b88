import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliIn, fixture, workspace } from './cli.js';

const DATA = fixture('data');
const CARD = 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: p, cost: { fixed: "1.00" }, method: proportional, driver: requests }\n';

/** Closes `month` on a real run: one gateway request in it, a one-pool card, compute --close. */
async function closeMonthWithOneRequest(dir: string, month: string): Promise<void> {
  writeFileSync(join(dir, 'card.yaml'), CARD);
  writeFileSync(join(dir, 'one.csv'), `timestamp,request_id,team,model,input_tokens,output_tokens\n${month}-15T12:00:00Z,closer-${month},t,m,1,1\n`);
  assert.equal((await cliIn(dir, ['ingest', join(dir, 'one.csv'), '--source', 'gateway'])).code, 0);
  const close = await cliIn(dir, ['compute', '--month', month, '--rate-card', join(dir, 'card.yaml'), '--close']);
  assert.equal(close.code, 0, close.stderr);
}

const counts = (stdout: string) => {
  const m = /(\d+) rows read, (\d+) stored, (\d+) duplicate, (\d+) rejected/.exec(stdout);
  assert.ok(m, stdout);
  return { read: Number(m[1]), stored: Number(m[2]), duplicate: Number(m[3]), rejected: Number(m[4]) };
};

// source, a real sample, the month its records fall in, the field that dates them, parse options
const SOURCES: [string, string, string, string, string, string[]][] = [
  ['gateway, native CSV', 'gateway', fixture('golden/gateway.csv'), '2026-10', 'timestamp', []],
  ['gateway, LiteLLM JSON lines', 'gateway', fixture('gateway/litellm-spend-logs-2026-10.jsonl'), '2026-10', 'starttime', []],
  ['billing, FOCUS multicloud sample', 'billing', join(DATA, 'focus/focus-1.0_sample_multicloud.csv'), '2024-09', 'chargeperiodstart', []],
  ['GPU, nvidia-smi capture', 'gpu', join(DATA, 'gpu/nvidia-smi_query-gpu_h100-80gb-hbm3_load.csv'), '2026-07', 'timestamp', ['--host', 'gpu-host-1', '--tz', 'Europe/Berlin']],
  ['GPU, DCGM scrape timed by --at', 'gpu', join(DATA, 'gpu/dcgm-exporter_scrape_datadog-fixture.prom'), '2026-10', 'timestamp', ['--at', '2026-10-05T10:00:00Z']],
];

describe('no row is lost in a rejects file (closed months included)', () => {
  for (const [name, source, file, month, field, options] of SOURCES) {
    it(`${name}: a closed month's records keep their original text, and the fixed rejects file ingests as the file would have`, async () => {
      const { dir } = workspace();
      await closeMonthWithOneRequest(dir, month);
      const rejects = join(dir, 'r.csv');
      const refused = await cliIn(dir, ['ingest', file, '--source', source, ...options, '--rejects', rejects]);
      assert.equal(refused.code, 1, refused.stderr);
      const first = counts(refused.stdout);
      const text = readFileSync(rejects, 'utf8');
      const closedRows = text.split(`"field ""${field}"": dated in ${month}, closed by run 1: ingest with --allow-closed to add it"`).length - 1;
      assert.ok(closedRows > 0, `some records fall in ${month}: ${text.slice(0, 300)}`);
      assert.doesNotMatch(text, /^,+\d+,/m, 'no reject has blank original columns');

      // The rejects file as it stands (nothing to fix but the month): no options needed but the GPU host.
      const again = await cliIn(dir, ['ingest', rejects, '--source', source, ...options.filter((o, i) => o !== '--at' && options[i - 1] !== '--at'), '--allow-closed', '--rejects', join(dir, 'r2.csv')]);
      const second = counts(again.stdout);
      assert.equal(second.stored, closedRows, again.stdout + again.stderr);
      assert.equal(second.rejected, first.rejected - closedRows, 'rows rejected for their own reasons stay rejected');

      // The original file now: every refused record is a duplicate, so the rejects file gave them their own keys.
      const original = counts((await cliIn(dir, ['ingest', file, '--source', source, ...options, '--allow-closed', '--rejects', join(dir, 'r3.csv')])).stdout);
      assert.equal(original.stored, 0);
      assert.equal(original.duplicate, first.stored + closedRows);
    });
  }
});

describe('a failed attempt does not block the next one', () => {
  it('a billing file without a currency column, ingested without --currency, is read again with it', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'bill.csv'), 'BilledCost,EffectiveCost,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName\n' +
      '10.00,10.00,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,GPU\n');
    const first = await cliIn(dir, ['ingest', join(dir, 'bill.csv'), '--source', 'billing']);
    assert.equal(first.code, 1);
    assert.match(first.stdout, /1 rows read, 0 stored, 0 duplicate, 1 rejected/);
    const fixed = await cliIn(dir, ['ingest', join(dir, 'bill.csv'), '--source', 'billing', '--currency', 'usd']);
    assert.equal(fixed.code, 0, fixed.stderr);
    assert.match(fixed.stdout, /batch 2 \(focus\): 1 rows read, 1 stored, 0 duplicate, 0 rejected \(read again: batch 1 read the same bytes with other options \(--format focus\) and stored nothing\)/);
    const third = await cliIn(dir, ['ingest', join(dir, 'bill.csv'), '--source', 'billing', '--currency', 'USD']);
    assert.match(third.stdout, /already ingested as batch 2 \(same bytes and options/);
  });

  it('DCGM samples without --at store nothing; the same bytes with --at are a new attempt, and the same again a no-op', async () => {
    const { dir } = workspace();
    const file = join(DATA, 'gpu/dcgm-exporter_scrape_datadog-fixture.prom');
    // Rejects go to the test's folder, never beside the fixture.
    const rejects = ['--rejects', join(dir, 'gpu.rejects.csv')];
    // The scrape was saved whole, without a last line end: --complete says so.
    const whole = ['--complete'];
    assert.match((await cliIn(dir, ['ingest', file, '--source', 'gpu', ...whole, ...rejects])).stdout, /0 stored, 0 duplicate, 4 rejected/);
    // The same bytes again store nothing again: no batch is added.
    assert.match((await cliIn(dir, ['ingest', file, '--source', 'gpu', ...whole, ...rejects])).stdout, /no batch added \(nothing new since batch 1 read the same bytes\).*0 stored/);
    const timed = await cliIn(dir, ['ingest', file, '--source', 'gpu', ...whole, '--at', '2026-10-05T10:00:00Z']);
    assert.match(timed.stdout, /batch 2 \(dcgm\): 1 rows read, 1 stored, 0 duplicate, 0 rejected \(read again: batch 1 read the same bytes with other options \(--format dcgm --complete\) and stored nothing\)\n$/);
    assert.match((await cliIn(dir, ['ingest', file, '--source', 'gpu', ...whole, '--at', '2026-10-05T10:00:00Z'])).stdout, /already ingested as batch 2/);
  });

  it('a wrong --format that rejects every row does not block the right one', async () => {
    const { dir } = workspace();
    const file = fixture('gateway/doubleword-http-analytics-2026-10.csv');
    const wrong = await cliIn(dir, ['ingest', file, '--source', 'gateway', '--format', 'csv']);
    assert.notEqual(wrong.code, 0);
    const right = await cliIn(dir, ['ingest', file, '--source', 'gateway']);
    assert.equal(right.code, 0, right.stdout + right.stderr);
    assert.doesNotMatch(right.stdout, /already ingested/);
  });
});
