import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { spawnSync } from 'node:child_process';
import { BIN, chargeback, fixture, workspace } from './cli.js';

/**
 * The error gallery: every error a user can meet, with the one line it prints and its exit
 * code (SPEC §2: 1 = ran but found a problem to act on, 2 = bad usage or bad input).
 */
describe('error gallery', () => {
  const { dir } = workspace();
  const card = fixture('golden/ratecard.yaml');
  const usage = fixture('golden/gateway.csv');
  writeFileSync(join(dir, 'no-model.csv'), 'timestamp,user,input_tokens,output_tokens\n2026-10-01T00:00:00Z,a,1,1\n');
  writeFileSync(join(dir, 'trace.csv'), 'TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.6805900,374,44\n');
  writeFileSync(join(dir, 'empty.csv'), '');
  writeFileSync(join(dir, 'bad-card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - id: p\n    cost: { fixed: 12.5 }\n    method: proportional\n    driver: tokens\n');
  writeFileSync(join(dir, 'llama-only.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: p, cost: { fixed: "1.00" }, usage: { models: [llama] }, method: proportional, driver: tokens }\n');
  writeFileSync(join(dir, 'unpriced.csv'), 'timestamp,team,model,input_tokens,output_tokens\n2026-10-02T00:00:00Z,search,gpt-4o,5,5\n');

  type Case = [name: string, args: string[], code: number, stderr: RegExp, setup?: () => void];
  const cases: Case[] = [
    ['an unknown flag', ['batches', '--bogus'], 2, /^error: unknown option '--bogus'\n/],
    ['an unknown command', ['frobnicate'], 2, /^error: unknown command 'frobnicate'\n/],
    ['a missing required option', ['compute', '--month', '2026-10'], 2, /^error: required option '--rate-card <file>' not specified\n/],
    ['a malformed month', ['compute', '--month', '2026-13', '--rate-card', card], 2, /^chargeback: --month: expected YYYY-MM, got "2026-13"\n$/],
    ['a file that does not exist', ['ingest', 'missing.csv', '--source', 'gateway'], 2, /^chargeback: missing\.csv: cannot read the file \(ENOENT\)\n$/],
    ['an unknown source', ['ingest', usage, '--source', 'erp'], 2, /^chargeback: unknown --source "erp": expected one of gateway, billing, gpu\n$/],
    ['an unknown format', ['ingest', usage, '--source', 'gateway', '--format', 'xml'], 2, /^chargeback: unknown --format "xml" for source gateway: expected one of litellm, doubleword, openai-jsonl, csv\n$/],
    ['a header without a required column', ['ingest', 'no-model.csv', '--source', 'gateway', '--format', 'csv'], 2,
      /^chargeback: no-model\.csv:1: field "model": missing required column \(the header lacks model\)\n$/],
    ['a header of no known format', ['ingest', 'trace.csv', '--source', 'gateway'], 2,
      /^chargeback: trace\.csv:1: cannot tell the format from the header \(columns: TIMESTAMP, ContextTokens, GeneratedTokens\); known gateway formats: litellm, doubleword, openai-jsonl, csv; pass --format\n$/],
    ['an empty file', ['ingest', 'empty.csv', '--source', 'gateway', '--format', 'csv'], 2, /^chargeback: empty\.csv: the file is empty: expected a header line\n$/],
    ['--rejects with several files', ['ingest', usage, usage, '--source', 'gateway', '--rejects', 'r.csv'], 2, /^chargeback: --rejects names one file/],
    ['an invalid rate card', ['ratecard', 'validate', 'bad-card.yaml'], 2,
      /^chargeback: bad-card\.yaml:6: pools\[0\]\.cost\.fixed: expected a decimal string, got 12\.5 \(a YAML number: quote money\)\n$/],
    ['a rate card that does not exist', ['ratecard', 'validate', 'nope.yaml'], 2, /^chargeback: nope\.yaml: cannot read the rate card \(ENOENT\)\n$/],
    ['compute before any ledger exists', ['--ledger', 'never-made.db', 'compute', '--month', '2026-10', '--rate-card', card], 2,
      /^chargeback: no ledger at never-made\.db: run chargeback init or pass --ledger\n$/],
    ['a month outside the card\'s effective range', ['compute', '--month', '2025-12', '--rate-card', card], 2,
      /^chargeback: .*ratecard\.yaml: month 2025-12 is outside the card's effective range \(2026-01 to any\)\n$/,
      () => chargeback(dir, ['init'])],
    ['a statement of a month never computed', ['statement', '--month', '2026-09'], 2,
      /^chargeback: no statement run for 2026-09: run "chargeback compute --month 2026-09 --rate-card FILE" first\n$/],
    ['a statement format that does not exist', ['statement', '--month', '2026-10', '--format', 'xml'], 2,
      /^error: option '--format <format>' argument 'xml' is invalid\. Allowed choices are table, csv, json, focus\.\n/],
    ['init --example onto an existing file', ['init', '--example', 'bad-card.yaml'], 2,
      /^chargeback: bad-card\.yaml already exists: not overwriting it/],
    ['rows rejected (exit 1, good rows kept)', ['ingest', 'bad-rows.csv', '--source', 'gateway'], 1,
      /^chargeback: 1 row rejected: see the rejects file named above\n$/,
      () => writeFileSync(join(dir, 'bad-rows.csv'), 'timestamp,user,model,input_tokens,output_tokens\n2026-10-01T00:00:00Z,a,m,1,x\n')],
    ['unpriced usage (exit 1, the run is stored)', ['compute', '--month', '2026-10', '--rate-card', 'llama-only.yaml'], 1,
      /\nchargeback: run \d+ has unpriced usage \(1 group that no pool takes\): add a pool for it, or set "unpriced: ignore" in the card\n$/,
      () => chargeback(dir, ['ingest', 'unpriced.csv', '--source', 'gateway'])],
    ['a cost centre with no lines', ['statement', '--month', '2026-10', '--cost-centre', 'CC-9999'], 2,
      /^chargeback: cost centre CC-9999 has no lines in run \d+ for 2026-10\n$/],
    ['ingest where no ledger was made (a cron job in the wrong folder)', ['--ledger', 'elsewhere.db', 'ingest', usage, '--source', 'gateway'], 2,
      /^chargeback: no ledger at elsewhere\.db: run chargeback init or pass --ledger\n$/],
    ['init in a folder that does not exist', ['--ledger', 'nodir/x.db', 'init'], 2,
      /^chargeback: nodir\/x\.db: cannot create the ledger: no such file or folder\n$/],
    ['--output into a folder that does not exist', ['statement', '--month', '2026-10', '--format', 'csv', '--output', 'nodir/x.csv'], 2,
      /^chargeback: nodir\/x\.csv: cannot write the output: no such file or folder\n$/],
    ['--rejects into a folder that does not exist (nothing stored)', ['ingest', 'bad-rows-2.csv', '--source', 'gateway', '--rejects', 'nodir/r.csv'], 2,
      /^chargeback: nodir\/r\.csv: cannot write the rejects file: no such file or folder\n$/,
      () => writeFileSync(join(dir, 'bad-rows-2.csv'), 'timestamp,user,model,input_tokens,output_tokens\n2026-10-01T00:00:00Z,b,m,1,1\n2026-10-01T00:00:00Z,a,m,1,x\n')],
    ['a month with no usage (exit 1, never closed)', ['compute', '--month', '2026-08', '--rate-card', card, '--close'], 1,
      /^chargeback: 2026-08 has no usage events \(no gateway requests, no GPU samples in UTC\): not closing it; ingest the month's logs first\n$/],
    ['export --adjustments of a month never closed', ['export', 'erp', '--month', '2026-10', '--adjustments'], 2,
      /^chargeback: 2026-10 has no run that adjusts closed books: --adjustments needs a month closed and computed again\n$/],
    ['runs --verify of a run that does not exist', ['runs', '--verify', '999'], 2, /^chargeback: no run 999\n$/],
    ['a .gz cut short', ['ingest', 'cut.csv.gz', '--source', 'gateway'], 2,
      /^chargeback: cut\.csv\.gz: the gzip data is cut short or damaged \(unexpected end of file\); nothing was stored\n$/,
      () => writeFileSync(join(dir, 'cut.csv.gz'), gzipSync(readFileSync(fixture('demo/gateway-2026-10.csv'))).subarray(0, 20_000))],
    ['a .gz that is not gzip inside', ['ingest', 'bad.gz', '--source', 'gateway'], 2,
      /^chargeback: bad\.gz: the gzip data is cut short or damaged \(.*\); nothing was stored\n$/,
      () => writeFileSync(join(dir, 'bad.gz'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x67, 0x61, 0x72]))],
    ['budgets --as-of before the month', ['budgets', '--month', '2026-10', '--rate-card', 'budgets.yaml', '--as-of', '2026-09-30'], 2,
      /^chargeback: --as-of 2026-09-30 is not within 2026-10 \(.*\): budgets are judged after the month starts and by its end\n$/,
      () => writeFileSync(join(dir, 'budgets.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { team: [search] } }\n' +
        'pools:\n  - { id: p, cost: { fixed: "1.00" }, method: proportional, driver: requests }\nbudgets:\n  - { cost_centre: CC-1, monthly: "5.00" }\n')],
  ];

  for (const [name, args, code, stderr, setup] of cases) {
    it(`${name}: exit ${code}`, () => {
      setup?.();
      const run = chargeback(dir, args);
      assert.equal(run.code, code, `stderr: ${run.stderr}`);
      assert.match(run.stderr, stderr);
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace without --debug');
    });
  }

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
    assert.match(run.stderr, /^chargeback: --month: expected YYYY-MM, got "2026-13"\nUsageError: .*\n\s+at /);
  });

  it('a rate card with several problems lists each on its own line', () => {
    writeFileSync(join(dir, 'worse.yaml'), 'version: 2\ncurrency: usd\nunallocated: CC-0000\n');
    const run = chargeback(dir, ['ratecard', 'validate', 'worse.yaml']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr, 'chargeback: worse.yaml:1: version: expected 1, got 2\nworse.yaml:2: currency: expected a three-letter ISO 4217 code such as "USD", got "usd"\n');
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
