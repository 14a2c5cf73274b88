import assert from 'node:assert/strict';
import { DIMS_VALUES } from '../../src/ledger/usage-writer.js';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { fingerprintKey } from '../../src/secrets.js';
import { documentOf } from '../../src/domain/postings.js';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { BIN, chargeback, fixture, inProcess, startChargeback, workspace } from './cli.js';

/** Issue 13: inputs written to break us, kept as tests. */
describe('hostile input', () => {
  it('a folder given as input is one line, exit 2; a card with no end (/dev/zero, read only) is refused for its size, in bounded memory (issue 31)', () => {
    const { dir } = workspace();
    mkdirSync(join(dir, 'logs'));
    const folder = chargeback(dir, ['ingest', join(dir, 'logs'), '--source', 'gateway']);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /logs: is a folder: give the files in it \(chargeback ingest FOLDER\/\*\.csv\)\n$/);
    const endless = chargeback(dir, ['ratecard', 'validate', '/dev/zero']);
    assert.equal(endless.code, 2);
    assert.match(endless.stderr, /^chargeback: zero: a rate card of \d+ characters is past the limit of 1048576\n$/);
  });

  it('a record nested 20,000 deep (__proto__ keys) is stored or rejected in one line by every JSON reader, never an internal error (issue 31)', () => {
    const { dir } = workspace();
    const deep = `${'{"__proto__":'.repeat(20_000)}1${'}'.repeat(20_000)}`;
    writeFileSync(join(dir, 'deep.jsonl'), `{"model":"gpt-4o","usage":{"prompt_tokens":1,"completion_tokens":1},"id":"x1","created":1791158400,"user":"ann","metadata":${deep}}\n`);
    for (const format of ['openai-jsonl', 'litellm-payload', 'bedrock', 'openai-batch', 'openai-usage', 'anthropic-usage', 'litellm']) {
      const run = chargeback(dir, ['ingest', join(dir, 'deep.jsonl'), '--source', 'gateway', '--format', format, '--rejects', join(dir, `${format}.csv`)]);
      assert.ok(run.code === 0 || run.code === 1, `${format}: exit ${run.code} ${run.stderr}`);
      assert.doesNotMatch(run.stderr, /internal error|Maximum call stack/, format);
      assert.ok(run.stderr.trim().split('\n').length <= 1, run.stderr);
    }
  });

  it('tag names such as __proto__ and constructor are stored and matched like any other', () => {
    const { dir, ledger } = workspace();
    writeFileSync(join(dir, 't.csv'), 'timestamp,team,model,input_tokens,output_tokens,tag.__proto__,tag.constructor\n' +
      '2026-10-02T00:00:00Z,a,m,1,1,alpha,beta\n2026-10-02T00:00:00Z,b,m,1,1,,\n');
    assert.equal(chargeback(dir, ['ingest', join(dir, 't.csv'), '--source', 'gateway']).code, 0);
    const db = new Database(ledger, { readonly: true });
    assert.deepEqual(db.prepare(`SELECT a.tags FROM usage_dims d ${DIMS_VALUES} ORDER BY d.id`).pluck().all(), ['{"__proto__":"alpha","constructor":"beta"}', '{}']);
    db.close();
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { tag.constructor: [beta] } }\n' +
      'pools:\n  - { id: p, cost: { fixed: "1.00" }, usage: { tags: { constructor: beta } }, method: proportional, driver: requests }\n' +
      '  - { id: q, cost: { fixed: "1.00" }, usage: { tags: { toString: x } }, method: proportional, driver: requests }\n');
    const run = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    const csv = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    assert.match(csv, /^2026-10,CC-1,,p,proportional,requests,1,,1\.00,USD$/m, run.stdout + run.stderr);
    assert.match(csv, /^2026-10,CC-0000,,q,idle,requests,,,1\.00,USD$/m, 'no event has a toString tag: an inherited name is not a tag');
  });
});

describe('hostile conditions: a close against ingests and other closes', () => {
  const CARD = 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: p, cost: { fixed: "100.00" }, method: proportional, driver: requests }\n';
  const october = (prefix: string, rows: number) => ['timestamp,request_id,team,model,input_tokens,output_tokens',
    ...Array.from({ length: rows }, (_, i) => `2026-10-${String(1 + (i % 28)).padStart(2, '0')}T12:00:00Z,${prefix}-${i},t${i % 7},m,1,1`)].join('\n') + '\n';

  it('rows dated in a month are committed only while it is open: no row lands in closed books, however the two race', async () => {
    for (let round = 0; round < 4; round++) {
      const { dir, ledger } = workspace();
      writeFileSync(join(dir, 'card.yaml'), CARD);
      writeFileSync(join(dir, 'seed.csv'), october('seed', 10));
      chargeback(dir, ['ingest', join(dir, 'seed.csv'), '--source', 'gateway']);
      writeFileSync(join(dir, 'late.csv'), october(`late${round}`, 60_000));
      const ingest = startChargeback(dir, ['ingest', join(dir, 'late.csv'), '--source', 'gateway']);
      await new Promise((resolve) => setTimeout(resolve, 150 * round));
      const close = startChargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'), '--close']);
      const [ingested, closed] = await Promise.all([ingest.done, close.done]);
      assert.equal(closed.code, 0, closed.stderr);
      assert.ok(ingested.code === 0 || ingested.code === 1, ingested.stderr);
      const db = new Database(ledger, { readonly: true });
      const read = JSON.parse(db.prepare('SELECT batch_ids FROM runs WHERE id = 1').pluck().get() as string) as number[];
      const outside = db.prepare(`SELECT COUNT(*) FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? AND batch_id NOT IN (SELECT value FROM json_each(?))`).pluck()
        .get(Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 1), JSON.stringify(read));
      // The books' own times tell the same order: a close is dated when it took effect, after every batch it read.
      const closedAt = db.prepare('SELECT closed_at FROM closed_months').pluck().get() as string;
      const createdAt = db.prepare('SELECT created_at FROM runs WHERE id = 1').pluck().get() as string;
      const finished = db.prepare(`SELECT finished_at FROM batches WHERE id IN (SELECT value FROM json_each(?))`).pluck().all(JSON.stringify(read)) as string[];
      db.close();
      for (const at of finished) assert.ok(at <= createdAt && createdAt <= closedAt, `round ${round}: a batch the run read finished at ${at}, the run is dated ${createdAt}, the close ${closedAt}`);
      assert.equal(outside, 0, `round ${round}: October rows the closed run did not read (ingest said: ${ingested.stdout})`);
      assert.match(ingested.stdout, read.includes(2) ? /60000 stored/ : /0 stored, 0 duplicate, 60000 rejected/);
    }
  });

  it('two closes at once: one closes, the other says "already closed" (exit 2), and no orphan run is left', async () => {
    for (let round = 0; round < 3; round++) {
      const { dir, ledger } = workspace();
      writeFileSync(join(dir, 'card.yaml'), CARD);
      writeFileSync(join(dir, 'seed.csv'), october('seed', 20_000));
      chargeback(dir, ['ingest', join(dir, 'seed.csv'), '--source', 'gateway']);
      const args = ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'), '--close'];
      const results = await Promise.all([startChargeback(dir, args).done, startChargeback(dir, args).done]);
      const codes = results.map((r) => r.code).sort();
      assert.deepEqual(codes, [0, 2], results.map((r) => r.stderr).join(' | '));
      assert.match(results.find((r) => r.code === 2)!.stderr, /^chargeback: 2026-10 is already closed, on run 1\n$/);
      const db = new Database(ledger, { readonly: true });
      assert.equal(db.prepare('SELECT COUNT(*) FROM runs').pluck().get(), 1, 'no orphan run');
      db.close();
    }
  });
});

describe('hostile conditions: two exports at once', () => {
  it('post the month\'s journal once: an export that waits for another\'s record finds the journal posted (each journal posted once)', async () => {
    const { dir, ledger } = workspace();
    chargeback(dir, ['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']);
    assert.equal(chargeback(dir, ['compute', '-m', '2026-10', '-r', fixture('spec-example/ratecard.yaml'), '--close']).code, 0);
    // Another export holds the write lock and records the journal while this one starts.
    const other = new Database(ledger);
    other.exec('BEGIN IMMEDIATE');
    const late = startChargeback(dir, ['export', 'erp', '-m', '2026-10', '-o', join(dir, 'late.csv')]);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    other.prepare(`INSERT INTO exports (month, run_id, base_run_id, document, kind, period, file, sha256, lines, exported_at)
      VALUES ('2026-10', 1, NULL, ?, 'books', '2026-10', 'first.csv', 'x', 1, '2026-11-01T00:00:00.000Z')`).run(documentOf(1, null));
    other.exec('COMMIT');
    other.close();
    const { code, stderr } = await late.done;
    assert.equal(code, 2, stderr);
    assert.match(stderr, /chargeback-run-1 was exported on 2026-11-01 to first.csv: posting it again would count 2026-10 twice/);
    assert.equal(existsSync(join(dir, 'late.csv')), false, 'nothing written to be posted twice');
    const db = new Database(ledger, { readonly: true });
    assert.deepEqual(db.prepare('SELECT file FROM exports').pluck().all(), ['first.csv']);
    db.close();
  });
});

describe('no secret and no formula in any output', () => {
  const KEY = 'sk-live-0123456789abcdefSECRET';
  const OTHER = 'sk-proj-AbCdEf0123456789SECRET';
  it('rejects files, messages and summaries show a raw key only as its fingerprint; cells are formula-escaped; the file is 0600 and re-ingests', () => {
    const { dir } = workspace();
    const header = 'timestamp,request_id,api_key,user,team,model,input_tokens,output_tokens';
    writeFileSync(join(dir, 'keys.csv'), [header,
      `2026-10-01T00:00:00Z,r1,${KEY},u,t,m,1,x`,                       // a bad token count
      `2026-10-01T00:00:00Z,r2,${KEY},u,t,m,1,1,extra`,                 // a ragged row
      `${KEY},r4,${KEY},u,t,m,1,1`,                                      // the key where the time should be
      `${OTHER},r8,2026-10-01T00:00:00Z,u,t,m,1,1`,                      // columns swapped: a key only where the time should be
      `2026-10-01T00:00:00Z,r5,${KEY},=HYPERLINK(""http://x""),t,m,1,x`, // a formula payload
      ` =cmd,r6,${KEY},u,t,m,1,1`,                                        // a formula after a space
      `2026-10-01T00:00:00Z,r7,${KEY},u,t,m,1,1`,                        // a good row
      `2026-10-01T00:00:00Z,r3,${KEY},"u,t,m,1,1`,                      // a broken quote, last: the raw text
    ].join('\n') + '\n');
    writeFileSync(join(dir, 'keys.jsonl'), [
      JSON.stringify({ id: 'j1', created: 1790000000, model: 'm', api_key: KEY, usage: { prompt_tokens: 'x', completion_tokens: 1 } }),
      JSON.stringify({ id: 'j2', created: 1790000000, model: 'm', metadata: { api_key: KEY, team: 't' }, usage: { prompt_tokens: -1, completion_tokens: 1 } }),
      `{"id": "j3", "api_key": "${KEY}", "model": `,
    ].join('\n') + '\n');
    const outputs: string[] = [];
    const run = (args: string[]) => {
      const r = chargeback(dir, args);
      outputs.push(r.stdout, r.stderr);
      return r;
    };
    run(['ingest', join(dir, 'keys.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    run(['ingest', join(dir, 'keys.csv'), '--source', 'gateway', '--strict', '--rejects', join(dir, 'strict.csv'), '--format', 'csv', '--tz', 'UTC']);
    run(['ingest', join(dir, 'keys.jsonl'), '--source', 'gateway', '--rejects', join(dir, 'rj.csv')]);
    run(['ingest', join(dir, 'keys.jsonl'), '--source', 'gateway', '--strict', '--format', 'openai-jsonl', '--tz', 'UTC']);
    run(['batches']);
    const rejects = readFileSync(join(dir, 'r.csv'), 'utf8');
    for (const text of [...outputs, rejects, readFileSync(join(dir, 'rj.csv'), 'utf8')]) assert.doesNotMatch(text, /SECRET/, text);
    assert.match(rejects, new RegExp(`^${fingerprintKey(OTHER)},r8,`, 'm'));
    assert.match(rejects, new RegExp(`,${fingerprintKey(KEY)},`));
    assert.match(rejects, /,"'=HYPERLINK\(/);
    assert.match(rejects, /^' =cmd,r6,/m);
    assert.equal(statSync(join(dir, 'r.csv')).mode & 0o777, 0o600);

    // Fixed (the tokens), the rejects file reads back as the rows: fingerprints match as they are.
    writeFileSync(join(dir, 'fixed.csv'), rejects.replace(',1,x,', ',1,1,').replace('",t,m,1,x,', '",t,m,1,1,'));
    const again = chargeback(dir, ['ingest', join(dir, 'fixed.csv'), '--source', 'gateway', '--rejects', join(dir, 'r2.csv')]);
    assert.match(again.stdout, /2 stored/, again.stdout + again.stderr);
    const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
    const users = db.prepare(`SELECT DISTINCT i.api_key_fp, i.user_name FROM usage_events e JOIN usage_dims d ON d.id = e.dim_id ${DIMS_VALUES} WHERE e.natural_key IN ('r:r1', 'r:r5', 'r:r7')`).all();
    db.close();
    assert.deepEqual(users.map((u) => (u as { api_key_fp: string }).api_key_fp), [fingerprintKey(KEY), fingerprintKey(KEY)].slice(0, users.length));
    assert.ok(users.some((u) => (u as { user_name: string }).user_name === '=HYPERLINK(""http://x"")'), 'the formula cell reads back exactly');
  });
});

describe('a card that names raw keys (issue 31)', () => {
  it('validate says to write fingerprints; a run keeps the text with fingerprints in their place, matches the same usage and verifies', async () => {
    const { dir, ledger } = workspace();
    const key = 'sk-live-CardKey0123456789SECRET';
    writeFileSync(join(dir, 'k.csv'), `timestamp,request_id,api_key,model,input_tokens,output_tokens\n2026-10-02T00:00:00Z,k1,${key},m,10,1\n2026-10-02T00:00:00Z,k2,sk-other-0123456789abcdef,m,5,1\n`);
    writeFileSync(join(dir, 'card.yaml'), `version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { api_key: ["${key}"] } }  # ${key}\n` +
      'pools:\n  - { id: p, cost: { fixed: "11.00" }, method: proportional, driver: tokens }\n');
    const run = inProcess(ledger);
    assert.equal((await run('ingest', join(dir, 'k.csv'), '--source', 'gateway')).code, 0);
    const validate = await run('ratecard', 'validate', join(dir, 'card.yaml'));
    assert.equal(validate.code, 0);
    assert.equal(validate.stderr, `warning: ${join(dir, 'card.yaml')}: cost_centres[0].match.api_key holds a raw API key (…CRET): runs keep the card's text with ${fingerprintKey(key)} in its place; write that fingerprint in the card\n`);
    assert.equal((await run('compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'))).code, 0);
    const db = new Database(ledger, { readonly: true });
    const stored = db.prepare('SELECT rate_card_text FROM runs WHERE id = 1').pluck().get() as string;
    db.close();
    assert.doesNotMatch(stored, /SECRET/);
    assert.equal(stored.split(fingerprintKey(key)).length, 3, 'the rule and the comment');
    const lines = (JSON.parse((await run('statement', '--month', '2026-10', '-f', 'json')).stdout) as { lines: { cost_centre: string; amount: string }[] }).lines;
    // The fingerprint matches the key's usage: 11 of the 17 tokens.
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-0000', '3.88'], ['CC-1', '7.12']]);
    assert.equal((await run('runs', '--verify', '1')).code, 0);
    assert.equal((await run('budgets', '--month', '2026-10')).stderr.includes('changed'), false);
  });
});

describe('exact at any size the limits allow', () => {
  const HEADER = 'timestamp,request_id,team,model,input_tokens,output_tokens';
  it('sums past 2^53 stay exact; sums past 2^63 are refused in one line with nothing stored', () => {
    const { dir } = workspace();
    const max = '9007199254740991'; // 2^53 - 1, the largest count a row may hold
    writeFileSync(join(dir, 'big.csv'), `${HEADER}\n2026-10-02T00:00:00Z,b1,big,m,${max},0\n2026-10-02T01:00:00Z,b2,big,m,${max},0\n2026-10-03T00:00:00Z,s1,small,m,1,0\n`);
    assert.equal(chargeback(dir, ['ingest', join(dir, 'big.csv'), '--source', 'gateway']).code, 0);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { team: [big] } }\n  - { id: CC-2, match: { team: [small] } }\n' +
      'pools:\n  - { id: p, cost: { fixed: "100.00" }, method: proportional, driver: input_tokens }\n');
    const run = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    const csv = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    assert.match(csv, /^2026-10,CC-1,,p,proportional,input_tokens,18014398509481982,,100\.00,USD$/m);
    assert.match(csv, /^2026-10,CC-2,,p,proportional,input_tokens,1,,0\.00,USD$/m);

    const rows = Array.from({ length: 1100 }, (_, i) => `2026-10-04T00:00:00Z,o${i},big,m,${max},0`);
    writeFileSync(join(dir, 'overflow.csv'), `${HEADER}\n${rows.join('\n')}\n`);
    const refused = chargeback(dir, ['ingest', join(dir, 'overflow.csv'), '--source', 'gateway']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^chargeback: .*overflow\.csv: token counts whose sum for one day passes 2\^63 - 1: no real log holds that many; nothing was stored\n$/);
    assert.equal(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout, csv);
  });
});

describe('inputs that were lost or stored wrong without a word', () => {
  const HEADER = 'timestamp,request_id,team,model,input_tokens,output_tokens';
  it('reads CR-only line endings (Excel for Mac) and CR LF split across reads', () => {
    const { dir } = workspace();
    const rows = Array.from({ length: 5000 }, (_, i) => `2026-10-02T00:00:00Z,cr${i},t,m,1,1`);
    writeFileSync(join(dir, 'mac.csv'), `${HEADER}\r${rows.join('\r')}\r`);
    assert.match(chargeback(dir, ['ingest', join(dir, 'mac.csv'), '--source', 'gateway']).stdout, /5000 rows read, 5000 stored, 0 duplicate, 0 rejected/);
    writeFileSync(join(dir, 'dos.csv'), `${HEADER}\r\n${rows.map((r) => r.replace(',cr', ',crlf')).join('\r\n')}\r\n`);
    assert.match(chargeback(dir, ['ingest', join(dir, 'dos.csv'), '--source', 'gateway']).stdout, /5000 rows read, 5000 stored, 0 duplicate, 0 rejected/);
  });

  it('a line past 1 MiB is rejected alone, and reading goes on', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'long.csv'), `${HEADER}\n2026-10-02T00:00:00Z,a,t,m,1,1\n2026-10-02T00:00:00Z,b,${'x'.repeat(3 << 20)},m,1,1\n2026-10-02T00:00:00Z,c,t,m,1,1\n`);
    const run = chargeback(dir, ['ingest', join(dir, 'long.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.match(run.stdout, /3 rows read, 2 stored, 0 duplicate, 1 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /,3,a line longer than 1048576 characters\n$/);
  });
});

describe('billing records that cannot be charged as written', () => {
  it('a charge period that ends before it starts, an infinite amount and year 0001 are rejects with reasons', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'bill.csv'), 'BilledCost,EffectiveCost,BillingCurrency,ChargePeriodStart,ChargePeriodEnd,ChargeCategory,ProviderName,ServiceName,Tags\n' +
      '10.00,10.00,USD,2026-10-05T00:00:00Z,2026-10-01T00:00:00Z,Usage,AWS,GPU,{}\n' +
      '1e9999999999999999,1,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,GPU,{}\n' +
      '1.00,1.00,USD,0001-10-01T00:00:00Z,0001-10-02T00:00:00Z,Usage,AWS,GPU,{}\n' +
      '2.00,2.00,USD,2026-10-01T00:00:00Z,2026-10-02T00:00:00Z,Usage,AWS,GPU,{}\n');
    const run = chargeback(dir, ['ingest', join(dir, 'bill.csv'), '--source', 'billing', '--rejects', join(dir, 'r.csv')]);
    assert.match(run.stdout, /4 rows read, 1 stored, 0 duplicate, 3 rejected/);
    const reasons = readFileSync(join(dir, 'r.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.slice(l.lastIndexOf(',"') + 1));
    assert.deepEqual(reasons, [
      '"field ""chargeperiodstart"": the charge period ends before it starts"',
      '"field ""billedcost"": expected a decimal amount, got ""1e9999999999999999"""',
      '"field ""chargeperiodstart"": expected a date (ISO 8601 or M/D/YYYY), got ""0001-10-01T00:00:00Z"""',
    ]);
  });
});

describe('an input is read once', () => {
  it('a FIFO and a process substitution ingest like a file, and the same bytes again are a no-op', () => {
    const { dir } = workspace();
    const script = `set -e
      "${process.execPath}" "${BIN}" ingest <(cat "${fixture('golden/gateway.csv')}") --source gateway
      mkfifo "${dir}/pipe"
      cat "${fixture('golden/gateway.csv')}" > "${dir}/pipe" &
      "${process.execPath}" "${BIN}" ingest "${dir}/pipe" --source gateway`;
    const run = spawnSync('bash', ['-c', script], { cwd: dir, env: { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db') }, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /^\/dev\/fd\/\d+: batch 1 \(csv\): 11 rows read, 11 stored/m);
    assert.match(run.stdout, /pipe: already ingested as batch 1 \(same bytes and options/);
  });
});

describe('terminal-safe output', () => {
  it('escape sequences in user, team and centre names are shown escaped, never sent raw', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'esc.csv'), 'timestamp,request_id,user,team,model,input_tokens,output_tokens\n' +
      '2026-10-02T00:00:00Z,e1,"\u001b[2J\u001b[31mroot\u0007",search,m,1,1\n2026-10-02T00:00:00Z,e2,bob,"\u001b]0;owned\u0007",m\u001b[5m,1,1\n');
    assert.equal(chargeback(dir, ['ingest', join(dir, 'esc.csv'), '--source', 'gateway']).code, 0);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, name: "Search\\e[1m", match: { team: [search] } }\n' +
      'pools:\n  - { id: p, cost: { fixed: "1.00" }, method: proportional, driver: requests }\n');
    const outputs = [
      chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'), '--verbose']),
      chargeback(dir, ['statement', '--month', '2026-10', '--wide']),
      chargeback(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-1']),
      chargeback(dir, ['explain', '--month', '2026-10', '--cost-centre', 'CC-0000']),
    ];
    for (const run of outputs) {
      assert.doesNotMatch(run.stdout + run.stderr, /[\u0000-\u0008\u000b-\u001f\u007f]/, run.stdout + run.stderr);
    }
    assert.match(outputs[0]!.stderr, /user=bob → CC-0000/);
    assert.match(outputs[1]!.stdout, /Search\\u001b\[1m/);
    assert.match(outputs[2]!.stdout, /user=\\u001b\[2J\\u001b\[31mroot\\u0007/);
  });

  it('a 100,000-character centre name: tables fit at once and cut it, --wide shows 1,024 characters of it, JSON all of it (issue 31)', async () => {
    const { dir, ledger } = workspace();
    const name = `N${'é'.repeat(99_999)}`;
    const run = inProcess(ledger);
    assert.equal((await run('ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway')).code, 0);
    writeFileSync(join(dir, 'card.yaml'), `version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, name: "${name}", match: { team: [search] } }\n` +
      'pools:\n  - { id: p, cost: { fixed: "10.00" }, method: proportional, driver: tokens }\n');
    assert.equal((await run('compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'))).code, 0);
    const narrow = await run('statement', '--month', '2026-10');
    assert.ok(narrow.stdout.split('\n').every((line) => line.length <= 80), narrow.stdout);
    const wide = (await run('statement', '--month', '2026-10', '--wide')).stdout;
    assert.ok(wide.includes(`${name.slice(0, 1023)}…`) && !wide.includes(name.slice(0, 1024)));
    const json = JSON.parse((await run('statement', '--month', '2026-10', '-f', 'json')).stdout) as { lines: { cost_centre_name: string }[] };
    assert.ok(json.lines.some((l) => l.cost_centre_name === name));
  });
});

describe('resource faults and signals leave nothing half-written', () => {
  it('SIGTERM mid-ingest: exit 143, the batch rolled back, no temporary rejects file left; a SIGKILLed one is swept next time', async () => {
    const { dir, ledger } = workspace();
    const rows = Array.from({ length: 400_000 }, (_, i) => `2026-10-02T00:00:00Z,t${i},t,m,1,${i % 2 === 0 ? 'x' : '1'}`);
    writeFileSync(join(dir, 'big.csv'), `timestamp,request_id,team,model,input_tokens,output_tokens\n${rows.join('\n')}\n`);
    const { child, done } = startChargeback(dir, ['ingest', join(dir, 'big.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    const partial = join(dir, `r.csv.partial-${child.pid}`);
    for (let waited = 0; !existsSync(partial) && waited < 20_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    assert.ok(existsSync(partial), 'the ingest got as far as writing rejects');
    child.kill('SIGTERM');
    const run = await done;
    assert.equal(run.code, 143, run.stderr);
    assert.match(run.stderr, /chargeback: stopped by SIGTERM; nothing half-written is left\n$/);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial-')), []);
    const db = new Database(ledger, { readonly: true });
    assert.equal(db.prepare('SELECT COUNT(*) FROM usage_events').pluck().get(), 0);
    db.close();

    writeFileSync(join(dir, 'r.csv.partial-999999999'), 'left by a SIGKILL');
    writeFileSync(join(dir, 'small.csv'), 'timestamp,request_id,team,model,input_tokens,output_tokens\n2026-10-02T00:00:00Z,s,t,m,1,x\n');
    chargeback(dir, ['ingest', join(dir, 'small.csv'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('.partial-')), []);
  });

  it('an output that cannot be written is one line, exit 2, and leaves no file', () => {
    const { dir } = workspace();
    chargeback(dir, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway']);
    chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', fixture('golden/ratecard.yaml')]);
    const full = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" statement --month 2026-10 > /dev/full`],
      { cwd: dir, env: { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db') }, encoding: 'utf8' });
    assert.equal(full.status, 2);
    assert.equal(full.stderr, 'chargeback: standard output: cannot write it (ENOSPC)\n');
    const folder = chargeback(dir, ['statement', '--month', '2026-10', '--output', join(dir, 'statement.csv', 'x.csv')]);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /statement\.csv\/x\.csv: cannot write the output: no such file or folder\n$/);
  });
});

describe('a reader that goes away', () => {
  it('`| head -1` on a long output ends it quietly: no stack trace, no internal error', () => {
    const { dir } = workspace();
    const rows = Array.from({ length: 4000 }, (_, i) => `2026-10-02T00:00:00Z,p${i},t,model-${i},1,1`);
    writeFileSync(join(dir, 'many.csv'), `timestamp,request_id,team,model,input_tokens,output_tokens\n${rows.join('\n')}\n`);
    chargeback(dir, ['ingest', join(dir, 'many.csv'), '--source', 'gateway']);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\npools:\n  - { id: p, cost: { fixed: "1.00" }, usage: { models: [llama] }, method: proportional, driver: requests }\n');
    const run = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" compute --month 2026-10 --rate-card card.yaml --verbose | head -1`],
      { cwd: dir, env: { ...process.env, CHARGEBACK_LEDGER: join(dir, 'chargeback.db') }, encoding: 'utf8' });
    assert.equal(run.stdout, 'Showback 2026-10 (run 1)\n');
    assert.doesNotMatch(run.stderr, /internal error|\n\s+at /);
  });
});
