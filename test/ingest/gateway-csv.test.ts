import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { InputError } from '../../src/domain/errors.js';
import { gatewayCsv } from '../../src/ingest/gateway/gateway-csv.js';
import { chooseReader, fileStart } from '../../src/ingest/index.js';
import { readAll as streamItems, type ReadItem } from '../../src/ingest/reader.js';
import { fingerprintKey } from '../../src/secrets.js';
import { fixture, ROOT } from '../e2e/cli.js';

async function readAll(text: string, name = 'usage.csv'): Promise<ReadItem[]> {
  const items: ReadItem[] = [];
  for await (const batch of streamItems(gatewayCsv, Readable.from([Buffer.from(text)]), { name })) items.push(...batch);
  return items;
}

const HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment';
const GOOD = '2026-10-01T10:00:00Z,r1,sk-abcd1234,alice,search,,llama,100,20,12,ok,standard,prod';

describe('native gateway CSV reader', () => {
  it('normalises a good row: fingerprinted key, parsed time, tokens, status', async () => {
    const [header, event] = await readAll(`${HEADER}\n${GOOD}\n`);
    assert.deepEqual(header, { kind: 'header', columns: HEADER.split(','), ignored: [] });
    assert.ok(event?.kind === 'event');
    const defined = { ...Object.fromEntries(Object.entries(event.event).filter(([, v]) => v !== undefined)), tags: { ...event.event.tags } };
    assert.deepEqual({ ...event, event: defined }, {
      kind: 'event',
      line: 2,
      cells: GOOD.split(','),
      event: {
        tsMs: Date.UTC(2026, 9, 1, 10),
        requestId: 'r1',
        apiKeyFp: fingerprintKey('sk-abcd1234'),
        apiKeyLast4: '1234',
        user: 'alice',
        team: 'search',
        model: 'llama',
        inputTokens: 100,
        outputTokens: 20,
        cachedInputTokens: 0,
        latencyMs: 12,
        status: 'ok',
        tier: 'standard',
        environment: 'prod',
        tags: {},
      },
    });
  });

  it('matches headers in any case with aliases, keeps tag.NAME columns, lists ignored columns', async () => {
    const text = 'TIMESTAMP,User_ID,Model,Prompt_Tokens,Completion_Tokens,Cached_Tokens,tag.env,colour\n' +
      '1792483200.5,u1,m,10,5,4,prod,blue\n';
    const [header, item] = await readAll(text);
    assert.deepEqual(header?.kind === 'header' && header.ignored, ['colour']);
    assert.ok(item?.kind === 'event');
    assert.equal(item.event.tsMs, 1792483200500);
    assert.equal(item.event.user, 'u1');
    assert.equal(item.event.cachedInputTokens, 4);
    assert.deepEqual({ ...item.event.tags }, { env: 'prod' });
  });

  // Each kind of bad row (SPEC §8.2): its line, the field at fault, and why.
  const bad: [string, string, number, string | null, RegExp][] = [
    ['a missing timestamp', ',r2,k,alice,,,llama,1,1,,ok,,', 3, 'timestamp', /^missing$/],
    ['an ISO time without an offset', '2026-10-01T10:00:00,r2,k,alice,,,llama,1,1,,ok,,', 3, 'timestamp', /expected an ISO 8601 time with an offset or Z/],
    ['a date that does not exist', '2026-02-30T10:00:00Z,r2,k,alice,,,llama,1,1,,ok,,', 3, 'timestamp', /got "2026-02-30T10:00:00Z"/],
    ['no model', '2026-10-01T10:00:00Z,r2,k,alice,,,,1,1,,ok,,', 3, 'model', /^missing$/],
    ['a fractional token count', '2026-10-01T10:00:00Z,r2,k,alice,,,llama,12.5,1,,ok,,', 3, 'input_tokens', /expected a whole number, got "12.5"/],
    ['a negative token count', '2026-10-01T10:00:00Z,r2,k,alice,,,llama,1,-3,,ok,,', 3, 'output_tokens', /expected a whole number, got "-3"/],
    ['a token count beyond 2^53', '2026-10-01T10:00:00Z,r2,k,alice,,,llama,99999999999999999999,1,,ok,,', 3, 'input_tokens', /whole number/],
    ['an unknown status', '2026-10-01T10:00:00Z,r2,k,alice,,,llama,1,1,,maybe,,', 3, 'status', /expected ok, error or an HTTP code, got "maybe"/],
    ['no identity at all', '2026-10-01T10:00:00Z,r2,,,,,llama,1,1,,ok,,', 3, 'identity', /no identity/],
    ['too few cells', '2026-10-01T10:00:00Z,r2,k,alice', 3, null, /expected 13 cells, got 4/],
  ];
  for (const [name, row, line, field, reason] of bad) {
    it(`rejects ${name}, naming line ${line} and ${field ?? 'the row'}`, async () => {
      const items = await readAll(`${HEADER}\n${GOOD}\n${row}\n${GOOD.replace('r1', 'r3')}\n`);
      const rejects = items.filter((i) => i.kind === 'reject');
      assert.equal(rejects.length, 1);
      const reject = rejects[0]?.kind === 'reject' ? rejects[0].reject : assert.fail();
      assert.equal(reject.line, line);
      assert.equal(reject.field, field);
      assert.match(reject.reason, reason);
      assert.equal(items.filter((i) => i.kind === 'event').length, 2, 'the good rows around it are kept');
    });
  }

  it('rejects cached tokens above input tokens', async () => {
    const items = await readAll('timestamp,user,model,input_tokens,output_tokens,cached_input_tokens\n2026-10-01T00:00:00Z,a,m,5,1,6\n');
    const reject = items[1]?.kind === 'reject' ? items[1].reject : assert.fail('expected a reject');
    assert.deepEqual([reject.line, reject.field, reject.reason], [2, 'cached_input_tokens', '6 is more than the input tokens 5']);
  });

  it('rejects a broken quote alone, with its raw text, and reads the next row', async () => {
    const rows = [HEADER, GOOD, '2026-10-01T10:00:00Z,"r2"x,k,alice,,,llama,1,1,,ok,,', GOOD.replace('r1', 'r4')];
    const items = await readAll(`${rows.join('\n')}\n`);
    assert.deepEqual(items.map((i) => i.kind), ['header', 'event', 'reject', 'event']);
    const reject = items[2]?.kind === 'reject' ? items[2].reject : assert.fail();
    assert.equal(reject.line, 3);
    assert.equal(reject.reason, 'unreadable CSV: "x" after the closing quote of cell 2 (expected a comma)');
    assert.deepEqual(reject.cells, [rows[2]]);
  });

  it('rejects only the first line of a quote that is never closed, and reads the rest', async () => {
    const rows = [HEADER, '2026-10-01T10:00:00Z,"r2,k,alice,,,llama,1,1,,ok,,', GOOD, GOOD.replace('r1', 'r5')];
    const items = await readAll(`${rows.join('\n')}\n`);
    assert.deepEqual(items.map((i) => (i.kind === 'reject' ? `reject ${i.reject.line}: ${i.reject.reason}` : i.kind)), [
      'header', 'reject 2: a quoted cell is never closed', 'event', 'event',
    ]);
  });

  it('counts lines across blank lines, CRLF and quoted newlines', async () => {
    const text = `\uFEFF${HEADER}\r\n\r\n${GOOD}\r\n2026-10-01T10:00:00Z,r2,k,"multi\nline",,,llama,1,1,,ok,,\r\n,r9,k,a,,,llama,1,1,,ok,,\r\n`;
    const items = await readAll(text);
    assert.deepEqual(items.map((i) => (i.kind === 'header' ? 'h' : i.kind === 'event' ? `e${i.line}` : i.kind === 'reject' ? `r${i.reject.line}` : '?')), ['h', 'e3', 'e4', 'r6']);
  });

  it('refuses a header without the required columns, naming the first missing one', async () => {
    await assert.rejects(readAll('timestamp,user,model,input_tokens\n'), (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.equal(error.message, 'usage.csv:1: field "output_tokens": missing required column (the header lacks output_tokens)');
      return true;
    });
    await assert.rejects(readAll('timestamp,model,input_tokens,output_tokens\n'), /no identity column/);
  });

  it('is detected from its header, and an unknown header names what it saw', () => {
    assert.equal(chooseReader('gateway', undefined, fileStart(HEADER), 'x.csv').format, 'csv');
    assert.throws(() => chooseReader('gateway', undefined, fileStart('TIMESTAMP,ContextTokens,GeneratedTokens'), 'trace.csv'),
      /trace\.csv:1: cannot tell the format from the header \(columns: TIMESTAMP, ContextTokens, GeneratedTokens\)/);
  });
});

describe('native gateway CSV on the fixtures derived from the real Azure traces', () => {
  it('reads every demo row, and its tokens equal the real trace rows it was made from', async () => {
    const items = await readAll(readFileSync(fixture('demo/gateway-2026-10.csv'), 'utf8'));
    const events = items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
    assert.equal(events.length, 2000);
    assert.equal(items.filter((i) => i.kind === 'reject').length, 0);
    // Independent sum over the source traces (fixtures/data, copied from the public samples with their SOURCES.md).
    const traceSum = (file: string, rows: number) =>
      readFileSync(`${ROOT}/fixtures/data/gateway/${file}`, 'utf8').split(/\r?\n/).slice(1, rows + 1)
        .reduce<[number, number]>((acc, line) => {
          const [, context, generated] = line.split(',');
          return [acc[0] + Number(context), acc[1] + Number(generated)];
        }, [0, 0]);
    const conv = traceSum('azure-llm-inference-trace-2023_conv.csv', 1200);
    const code = traceSum('azure-llm-inference-trace-2023_code.csv', 800);
    const byModel = (model: string) => events.filter((e) => e.model === model)
      .reduce<[number, number]>((acc, e) => [acc[0] + e.inputTokens, acc[1] + e.outputTokens], [0, 0]);
    assert.deepEqual(byModel('llama-3-70b'), conv);
    assert.deepEqual(byModel('llama-3-8b'), code);
  });
});
