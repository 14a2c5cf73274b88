import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { BIN, chargeback, fixture, workspace } from './cli.js';

/**
 * The error gallery: every error a user can meet, with the one line it prints and its exit
 * code (SPEC §2: 1 = ran but found a problem to act on, 2 = bad usage or bad input). Most
 * cases are data, each with its own ledger: fixtures/golden/cases/error-*; what needs a
 * spawned process, a shell or a second workspace stays here.
 */
describe('error gallery', () => {
  const { dir } = workspace();
  const card = fixture('golden/ratecard.yaml');
  writeFileSync(join(dir, 'llama-only.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: p, cost: { fixed: "1.00" }, usage: { models: [llama] }, method: proportional, driver: tokens }\n');

  it('a warning that lists identities names the first 10 and counts the rest; --verbose names them all', () => {
    const { dir: own } = workspace();
    const rows = Array.from({ length: 25 }, (_, i) => `2026-10-02T00:00:00Z,nobody-${String(i).padStart(2, '0')},llama,1,1`);
    writeFileSync(join(own, 'many.csv'), `timestamp,user,model,input_tokens,output_tokens\n${rows.join('\n')}\n`);
    chargeback(own, ['ingest', join(own, 'many.csv'), '--source', 'gateway']);
    const short = chargeback(own, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'llama-only.yaml')]);
    const warning = short.stderr.split('\n').find((l) => l.startsWith('warning: usage matched no cost centre'))!;
    assert.equal(warning.match(/user=nobody-\d\d → CC-0000/g)?.length, 10);
    assert.match(warning, /; 15 more identities → CC-0000 \(compute --verbose lists them all; chargeback explain --cost-centre CC-0000 the largest\)$/);
    const all = chargeback(own, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'llama-only.yaml'), '--verbose']);
    assert.equal(all.stderr.split('\n').find((l) => l.startsWith('warning: usage matched'))!.match(/user=nobody-\d\d → CC-0000/g)?.length, 25);
  });

  it('--debug adds the stack trace', () => {
    const run = chargeback(dir, ['--debug', 'compute', '--month', '2026-13', '--rate-card', card]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: --month: expected YYYY-MM, got "2026-13" \(see "chargeback compute --help"\)\nUsageError: .*\n\s+at /);
  });

});

describe('ratecard validate --month', () => {
  it('accepts a month in the card\'s range and refuses one outside it, exit 2', () => {
    const { dir } = workspace();
    const card = fixture('golden/ratecard.yaml');
    assert.equal(chargeback(dir, ['ratecard', 'validate', card, '--month', '2026-10']).code, 0);
    const run = chargeback(dir, ['ratecard', 'validate', card, '--month', '2025-12']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: .*ratecard\.yaml: month 2025-12 is outside the card's effective range \(2026-01 to any\)\n$/);
  });
});

/** The error gallery's fault cases: the shell sets the fault (a full device, a file-size limit). */
describe('error gallery: resource faults', () => {
  const { dir } = workspace();
  const cli = `"${process.execPath}" "${BIN}"`;
  const shell = (script: string) => spawnSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db') }, encoding: 'utf8' });
  const faults: [name: string, script: string, code: number, stderr: RegExp][] = [
    ['standard output on a full device', `${cli} batches > /dev/full`, 2, /^chargeback: standard output: cannot write it \(ENOSPC\)\n$/],
    ['a file-size limit reached while the ledger grows (nothing stored)', `ulimit -f 40; ${cli} ingest "${fixture('data/focus/focus-1.0_sample_multicloud.csv')}" --source billing`, 2,
      /^chargeback: .*chargeback\.db: cannot use the ledger: an input\/output error\n$/],
  ];
  for (const [name, script, code, stderr] of faults) {
    it(`${name}: exit ${code}`, () => {
      const run = shell(script);
      assert.equal(run.status, code, run.stderr);
      assert.match(run.stderr, stderr);
    });
  }
  it('and the ledger holds no batch from the failed ingest', () => {
    assert.match(shell(`${cli} batches --format json`).stdout.trim(), /^\[\]$/);
  });
});

describe('error gallery: no raw key in any output', () => {
  it('rows holding a raw key, rejected every way, print only its fingerprint', () => {
    const { dir } = workspace();
    const key = 'sk-live-gallery0123456789';
    writeFileSync(join(dir, 'keys.csv'), `timestamp,api_key,model,input_tokens,output_tokens\n${key},${key},m,1,1\n2026-10-01T00:00:00Z,${key},m,x,1\n2026-10-01T00:00:00Z,${key},m,1\n`);
    const outputs = [
      chargeback(dir, ['ingest', 'keys.csv', '--source', 'gateway']),
      chargeback(dir, ['ingest', 'keys.csv', '--source', 'gateway', '--strict', '--tz', 'UTC']),
      chargeback(dir, ['--debug', 'ingest', 'keys.csv', '--source', 'gateway', '--strict', '--currency', 'USD']),
      chargeback(dir, ['batches', '--format', 'json']),
    ].flatMap((r) => [r.stdout, r.stderr]);
    for (const text of [...outputs, readFileSync(join(dir, 'keys.csv.rejects.csv'), 'utf8')]) assert.doesNotMatch(text, /sk-live/, text);
  });
});
