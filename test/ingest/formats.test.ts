import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { chooseReader, fileStart, READERS } from '../../src/ingest/index.js';
import { readAll, type ReadItem } from '../../src/ingest/reader.js';
import { chargeback, fixture, ROOT, workspace } from '../e2e/cli.js';

async function read(text: string, tz?: string): Promise<{ format: string; items: ReadItem[] }> {
  const reader = chooseReader('gateway', undefined, fileStart(text), 'f');
  const items: ReadItem[] = [];
  for await (const batch of readAll(reader, Readable.from([Buffer.from(text)]), { name: 'f', ...(tz ? { tz } : {}) })) items.push(...batch);
  return { format: reader.format, items };
}
const events = (items: ReadItem[]) => items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
const rejects = (items: ReadItem[]) => items.flatMap((i) => (i.kind === 'reject' ? [i.reject] : []));

/** Σ (requests, input, output) per "team|model" over ok events, from the reader. */
function totals(list: ReturnType<typeof events>, team: (e: (typeof list)[number]) => string | undefined) {
  const sums: Record<string, [number, number, number]> = {};
  for (const e of list.filter((x) => x.status === 'ok')) {
    const key = `${team(e)}|${e.model}`;
    const s = sums[key] ?? [0, 0, 0];
    sums[key] = [s[0] + 1, s[1] + e.inputTokens, s[2] + e.outputTokens];
  }
  return sums;
}

const LITELLM = fixture('gateway/litellm-spend-logs-2026-10.jsonl');
const OPENAI = fixture('gateway/openai-responses-2026-10.jsonl');
const DOUBLEWORD = fixture('gateway/doubleword-http-analytics-2026-10.csv');

describe('gateway formats on fixtures made from the real samples', () => {
  it('LiteLLM JSON lines: totals per team and model equal an independent sum over the file', async () => {
    const text = readFileSync(LITELLM, 'utf8');
    const { format, items } = await read(text);
    assert.equal(format, 'litellm');
    // Independent: JSON.parse each line; success rows count; model_group names the model.
    const expected: Record<string, [number, number, number]> = {};
    for (const row of text.trim().split('\n').map((l) => JSON.parse(l))) {
      if (row.status !== 'success') continue;
      const key = `${row.team_id}|${row.model_group || row.model}`;
      const s = expected[key] ?? [0, 0, 0];
      expected[key] = [s[0] + 1, s[1] + row.prompt_tokens, s[2] + row.completion_tokens];
    }
    assert.deepEqual(totals(events(items), (e) => e.team), expected);
    const first = events(items)[0]!;
    assert.equal(first.apiKeyFp, `sha256:${createHash('sha256').update('sk-litellm-search-7f3a').digest('hex').slice(0, 12)}`);
    assert.equal(first.tsMs, Date.UTC(2026, 9, 1, 9, 20, 46, 847));
    assert.equal(first.cachedInputTokens, 50); // metadata.usage_object.prompt_tokens_details, decoded from a JSON string
    assert.deepEqual({ ...first.tags }, { env: 'prod', feature: 'ranking' });
    assert.equal(events(items).filter((e) => e.status === 'error').length, 1);
  });

  it('LiteLLM CSV export reads the same events as its JSON lines twin', async () => {
    const fromCsv = events((await read(readFileSync(fixture('gateway/litellm-spend-logs-2026-10.csv'), 'utf8'))).items);
    const fromJson = events((await read(readFileSync(LITELLM, 'utf8'))).items);
    assert.deepEqual(fromCsv, fromJson);
  });

  it('a JSON array and a pretty-printed object read like JSON lines', async () => {
    const rows = readFileSync(LITELLM, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const array = await read(JSON.stringify(rows, null, 2));
    assert.equal(array.format, 'litellm');
    assert.deepEqual(events(array.items), events((await read(readFileSync(LITELLM, 'utf8'))).items));
    const pretty = await read(`${JSON.stringify(rows[0], null, 4)}\n${JSON.stringify(rows[1], null, 4)}\n`);
    assert.equal(events(pretty.items).length, 2);
    assert.equal(pretty.items.find((i) => i.kind === 'event' && i.event.requestId === rows[1].request_id)?.kind === 'event' ? 'found' : '', 'found');
  });

  it('OpenAI-compatible JSONL: totals per team and model equal an independent sum', async () => {
    const text = readFileSync(OPENAI, 'utf8');
    const { format, items } = await read(text);
    assert.equal(format, 'openai-jsonl');
    const expected: Record<string, [number, number, number]> = {};
    for (const row of text.trim().split('\n').map((l) => JSON.parse(l))) {
      const key = `${row.metadata.team}|${row.model}`;
      const s = expected[key] ?? [0, 0, 0];
      expected[key] = [s[0] + 1, s[1] + row.usage.prompt_tokens, s[2] + row.usage.completion_tokens];
    }
    assert.deepEqual(totals(events(items), (e) => e.team), expected);
    const first = events(items)[0]!;
    assert.deepEqual([first.tsMs, first.requestId, first.cachedInputTokens, first.tier, { ...first.tags }], [1790848800000, 'chatcmpl-oa0', 200, 'priority', { env: 'prod' }]);
  });

  it('Doubleword http_analytics CSV: totals per user and model equal an independent sum', async () => {
    const text = readFileSync(DOUBLEWORD, 'utf8');
    const { format, items } = await read(text);
    assert.equal(format, 'doubleword');
    const expected: Record<string, [number, number, number]> = {};
    for (const row of parse(text, { columns: true }) as Record<string, string>[]) {
      if (Number(row.status_code) >= 400) continue;
      const key = `${row.user_email}|${row.model}`;
      const s = expected[key] ?? [0, 0, 0];
      expected[key] = [s[0] + 1, s[1] + Number(row.prompt_tokens), s[2] + Number(row.completion_tokens)];
    }
    assert.deepEqual(totals(events(items), (e) => e.user), expected);
    assert.equal(events(items)[0]!.tsMs, Date.UTC(2026, 9, 3, 14, 0, 0, 123)); // "+00", Postgres' offset
  });

  it('the real LiteLLM sample parses: 10 + 20 tokens, a zone-less startTime as UTC, and no identity to bill', async () => {
    const { format, items } = await read(readFileSync(join(ROOT, 'fixtures/data/gateway/litellm_spend_logs_payload.json'), 'utf8'));
    assert.equal(format, 'litellm');
    const [reject] = rejects(items);
    assert.deepEqual([reject?.line, reject?.field, reject?.reason], [1, 'identity', 'no identity: the record has no API key, user, team or project']);
  });
});

describe('gateway formats: detection, time zones, gzip, malformed twins', () => {
  it('detection picks the right reader for every fixture, and names what it saw otherwise', () => {
    const cases: [string, string][] = [
      [LITELLM, 'litellm'], [fixture('gateway/litellm-spend-logs-2026-10.csv'), 'litellm'], [OPENAI, 'openai-jsonl'],
      [DOUBLEWORD, 'doubleword'], [fixture('golden/gateway.csv'), 'csv'], [fixture('demo/gateway-2026-10.csv'), 'csv'],
    ];
    for (const [file, format] of cases) assert.equal(chooseReader('gateway', undefined, fileStart(readFileSync(file, 'utf8').slice(0, 65536)), file).format, format, file);
    assert.throws(() => chooseReader('gateway', undefined, fileStart('{"timestamp": 0, "input_length": 6758}\n'), 'mooncake.jsonl'),
      /mooncake\.jsonl:1: cannot tell the format from the first object \(keys of the first object: timestamp, input_length\)/);
    assert.deepEqual(READERS.filter((r) => r.source === 'gateway').map((r) => r.format), ['litellm', 'litellm', 'litellm-payload', 'openai-batch', 'openai-usage', 'anthropic-usage', 'bedrock', 'openrouter', 'doubleword', 'openai-jsonl', 'csv', 'vllm']);
  });

  it('reads zone-less times in --tz, and Unix seconds, milliseconds and microseconds', async () => {
    const row = (start: string) => JSON.stringify({ request_id: start, startTime: start, model: 'm', user: 'u', prompt_tokens: 1, completion_tokens: 1 });
    const text = ['2026-10-01 09:00:00', '2026-10-01T09:00:00+02:00', '1790848800', '1790848800123', '1790848800123456'].map(row).join('\n');
    const berlin = events((await read(text, 'Europe/Berlin')).items).map((e) => new Date(e.tsMs).toISOString());
    assert.deepEqual(berlin, ['2026-10-01T07:00:00.000Z', '2026-10-01T07:00:00.000Z', '2026-10-01T10:00:00.000Z', '2026-10-01T10:00:00.123Z', '2026-10-01T10:00:00.123Z']);
    const utc = events((await read(text)).items).map((e) => new Date(e.tsMs).toISOString());
    assert.equal(utc[0], '2026-10-01T09:00:00.000Z');
  });

  it('a malformed twin of each fixture gives rejects with line numbers and reasons, nothing lost', async () => {
    const corrupt: [string, (lines: string[]) => void, [number, string | null, RegExp][]][] = [
      [LITELLM, (l) => {
        l[2] = l[2]!.slice(0, 40); // a truncated JSON line
        l[5] = l[5]!.replace('"prompt_tokens":135', '"prompt_tokens":"lots"');
        l[7] = l[7]!.replace(/"startTime":"[^"]*"/, '"startTime":"yesterday"');
      }, [[3, null, /unreadable JSON/], [6, 'prompt_tokens', /expected a whole number, got "lots"/], [8, 'starttime', /got "yesterday"/]]],
      [OPENAI, (l) => {
        l[1] = l[1]!.replace('"model":"llama-3-8b"', '"model":""');
        l[4] = '[1, 2]';
      }, [[2, 'model', /missing/], [5, null, /expected a JSON object/]]],
      [DOUBLEWORD, (l) => {
        l[3] = l[3]!.replace(',chat_completion,', ',chat_completion,extra,');
        l[6] = l[6]!.replace('2026-10-', '2026-13-');
      }, [[4, null, /expected 14 cells, got 15/], [7, 'timestamp', /expected an ISO 8601 time/]]],
    ];
    for (const [file, damage, expected] of corrupt) {
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      damage(lines);
      const { items } = await read(`${lines.join('\n')}\n`);
      const found = rejects(items);
      assert.equal(found.length, expected.length, `${file}: ${JSON.stringify(found.map((r) => [r.line, r.reason]))}`);
      expected.forEach(([line, field, reason], i) => {
        assert.equal(found[i]?.line, line, file);
        assert.equal(found[i]?.field, field, file);
        assert.match(found[i]?.reason ?? '', reason, file);
      });
      const dataLines = lines.length - (file.endsWith('.csv') ? 1 : 0);
      assert.equal(events(items).length + found.length, dataLines, `${file}: every line is an event or a reject`);
    }
  });

  it('re-ingesting an overlapping, gzipped LiteLLM export counts duplicates by request_id and stores nothing twice', () => {
    const { dir } = workspace();
    const lines = readFileSync(LITELLM, 'utf8').trimEnd().split('\n');
    writeFileSync(join(dir, 'first.jsonl'), `${lines.slice(0, 8).join('\n')}\n`);
    writeFileSync(join(dir, 'second.jsonl.gz'), gzipSync(`${lines.slice(4).join('\n')}\n`));
    const one = chargeback(dir, ['ingest', join(dir, 'first.jsonl'), '--source', 'gateway', '--rejects', join(dir, 'r1.csv')]);
    assert.match(one.stdout, /batch 1 \(litellm\): 8 rows read, 8 stored, 0 duplicate, 0 rejected/);
    const two = chargeback(dir, ['ingest', join(dir, 'second.jsonl.gz'), '--source', 'gateway', '--rejects', join(dir, 'r2.csv')]);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, /batch 2 \(litellm\): 8 rows read, 4 stored, 4 duplicate, 0 rejected/);
  });

  it('--tz must be a known zone', () => {
    const { dir } = workspace();
    const run = chargeback(dir, ['ingest', LITELLM, '--source', 'gateway', '--tz', 'Mars/Base']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: --tz: expected an IANA time zone such as "Europe\/Berlin", got "Mars\/Base" \(see "chargeback ingest --help"\)\n$/);
  });
});

describe('a larger generated LiteLLM export', () => {
  it('3,000 rows of the fixture shape: ingested totals per team and model equal an independent sum', () => {
    const { dir } = workspace();
    const base = readFileSync(LITELLM, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    const expected = new Map<string, [number, number]>();
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const row = { ...base[i % base.length] };
      row.request_id = `gen-${i}`;
      row.startTime = `2026-10-${String((i % 30) + 1).padStart(2, '0')} ${String(i % 24).padStart(2, '0')}:00:00.000001`;
      row.prompt_tokens = 100 + ((i * 37) % 5000); // above the 50 cached tokens some rows carry
      row.completion_tokens = 1 + ((i * 11) % 700);
      lines.push(JSON.stringify(row));
      if (row.status !== 'success') continue;
      const key = `${row.team_id}|${row.model_group}`;
      const s = expected.get(key) ?? [0, 0];
      expected.set(key, [s[0] + row.prompt_tokens, s[1] + row.completion_tokens]);
    }
    writeFileSync(join(dir, 'big.jsonl'), `${lines.join('\n')}\n`);
    const run = chargeback(dir, ['ingest', join(dir, 'big.jsonl'), '--source', 'gateway']);
    assert.match(run.stdout, /3000 rows read, 3000 stored, 0 duplicate, 0 rejected/);
    // Price input tokens at 1 cent per token and output at nothing, per team: the statement
    // then carries each team's input total; output totals come from a second pool.
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
${['search', 'support', 'research'].map((t) => `  - { id: ${t}, name: ${t}, match: { team: [${t}] } }`).join('\n')}
pools:
  - { id: in, method: tiered, driver: input_tokens, tiers: [{ price: "0.01" }] }
  - { id: out, method: tiered, driver: output_tokens, tiers: [{ price: "0.01" }] }
`);
    assert.equal(chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]).code, 0);
    const lines2 = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout.trim().split('\n').slice(1);
    const got = new Map<string, [number, number]>();
    for (const row of lines2) {
      const [, centre, , pool, , , quantity] = row.split(',');
      const s = got.get(centre!) ?? [0, 0];
      got.set(centre!, pool === 'in' ? [Number(quantity), s[1]] : [s[0], Number(quantity)]);
    }
    const byTeam = new Map<string, [number, number]>();
    for (const [key, [input, output]] of expected) {
      const team = key.split('|')[0]!;
      const s = byTeam.get(team) ?? [0, 0];
      byTeam.set(team, [s[0] + input, s[1] + output]);
    }
    assert.deepEqual(got, byTeam);
  });
});
