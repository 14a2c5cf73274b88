import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chooseReader, fileStart } from '../../src/ingest/index.js';
import { readAll, type ReadItem, type ReadOptions } from '../../src/ingest/reader.js';
import type { UsageEvent } from '../../src/domain/types.js';
import { fixture } from '../e2e/cli.js';

async function read(text: string, options: Omit<ReadOptions, 'name'> = {}): Promise<{ format: string; events: UsageEvent[]; rejects: ReadItem[] }> {
  const reader = chooseReader('gateway', undefined, fileStart(text), 'f');
  const items: ReadItem[] = [];
  for await (const batch of readAll(reader, Readable.from([Buffer.from(text)]), { name: 'f', ...options })) items.push(...batch);
  return {
    format: reader.format,
    events: items.flatMap((i) => (i.kind === 'event' ? [i.event] : [])),
    rejects: items.filter((i) => i.kind === 'reject'),
  };
}

const reasons = (rejects: ReadItem[]) => rejects.map((r) => (r.kind === 'reject' ? [r.reject.line, r.reject.field, r.reject.reason] : []));

describe('OpenAI Batch output (issue 16): the real sample from LiteLLM\'s tests', () => {
  const text = readFileSync(fixture('data/gateway/openai_batch-output_litellm-tests.jsonl'), 'utf8');
  const lines = text.trim().split('\n').map((l) => JSON.parse(l) as { id: string; response: { body: { created: number; model: string; usage: { prompt_tokens: number; completion_tokens: number } } } });

  it('is detected, and with --set every line is one request with its own tokens (independent sums)', async () => {
    const { format, events, rejects } = await read(text, { defaults: { team: 'research' } });
    assert.equal(format, 'openai-batch');
    assert.equal(rejects.length, 0);
    // Batch API output is billed at the batch tier whatever service_tier it says (issue 31).
    assert.deepEqual(events.map((e) => [e.requestId, e.tsMs, e.model, e.team, e.status, e.tier]), lines.map((l) => [l.id, l.response.body.created * 1000, l.response.body.model, 'research', 'ok', 'batch']));
    assert.equal(events.reduce((s, e) => s + e.inputTokens, 0), lines.reduce((s, l) => s + l.response.body.usage.prompt_tokens, 0));
    assert.equal(events.reduce((s, e) => s + e.outputTokens, 0), lines.reduce((s, l) => s + l.response.body.usage.completion_tokens, 0));
  });

  it('without --set, each line is a one-line reject saying it has no identity', async () => {
    const { events, rejects } = await read(text);
    assert.equal(events.length, 0);
    assert.deepEqual(reasons(rejects), [[1, 'identity', 'no identity: the record has no API key, user, team or project'], [2, 'identity', 'no identity: the record has no API key, user, team or project']]);
  });

  it('malformed twins: a failed request, a cut line, a non-numeric count: one reject each, no line lost', async () => {
    const failed = '{"id": "batch_req_x", "custom_id": "request-3", "response": null, "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}}';
    const cut = lines[0] ? text.split('\n')[0]!.slice(0, 120) : '';
    const word = text.split('\n')[1]!.replace('"prompt_tokens": 22', '"prompt_tokens": "twenty-two"');
    const { events, rejects } = await read([text.split('\n')[0], failed, cut, word].join('\n'), { defaults: { team: 'research' } });
    assert.equal(events.length + rejects.length, 4);
    assert.deepEqual(reasons(rejects).map(([line, field]) => [line, field]), [[2, 'response.body.created'], [3, null], [4, 'response.body.usage.prompt_tokens']]);
  });
});

describe('LiteLLM StandardLoggingPayload (issue 16): the real sample from LiteLLM\'s logger tests', () => {
  const text = readFileSync(fixture('data/gateway/litellm_standard-logging-payload.json'), 'utf8');
  const payload = JSON.parse(text) as { id: string; prompt_tokens: number; completion_tokens: number; model: string };

  it('is detected; the sample names no key, so it needs --set, and then reads its tokens', async () => {
    const bare = await read(text);
    assert.equal(bare.format, 'litellm-payload');
    assert.deepEqual(reasons(bare.rejects), [[1, 'identity', 'no identity: the record has no API key, user, team or project']]);
    const { events } = await read(text, { defaults: { team: 'search' } });
    assert.deepEqual(events.map((e) => [e.requestId, e.tsMs, e.model, e.inputTokens, e.outputTokens, e.team]),
      [[payload.id, Date.UTC(2025, 0, 24, 9, 20, 46, 847), payload.model, payload.prompt_tokens, payload.completion_tokens, 'search']]);
  });

  it('the key hash is the identity: its first 12 hex digits are the fingerprint, so the raw key in a card matches', async () => {
    const hash = createHash('sha256').update('sk-litellm-team-key').digest('hex');
    const lines = [text.replace('"user_api_key_hash": null', `"user_api_key_hash": "${hash}"`).replace('"user_api_key_team_id": null', '"user_api_key_team_id": "team-7"')]
      .map((t) => JSON.stringify(JSON.parse(t))).join('\n');
    const { events } = await read(lines);
    assert.deepEqual(events.map((e) => [e.apiKeyFp, e.apiKeyLast4, e.team]), [[`sha256:${hash.slice(0, 12)}`, undefined, 'team-7']]);
  });

  it('malformed twins as JSON lines: a failure status, tokens as text, a cut object: one reject each, nothing lost', async () => {
    const one = JSON.parse(text) as Record<string, unknown>;
    const twins = [
      { ...one, id: 'a' },
      { ...one, id: 'b', status: 'exploded' },
      { ...one, id: 'c', prompt_tokens: 'ten' },
    ].map((o) => JSON.stringify(o));
    const { events, rejects } = await read([...twins, twins[0]!.slice(0, 50)].join('\n'), { defaults: { team: 'search' } });
    assert.equal(events.length + rejects.length, 4);
    assert.deepEqual(reasons(rejects).map(([line, field]) => [line, field]), [[2, 'status'], [3, 'prompt_tokens'], [4, null]]);
  });
});
