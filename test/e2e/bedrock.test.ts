import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { cliIn, fixture, workspace } from './cli.js';

/**
 * Records in the layout of the Bedrock User Guide's model-invocation log schema: schemaType,
 * timestamp, accountId, identity.arn, region, requestId, operation, modelId, input/output with
 * token counts, requestMetadata; and one real logged record (MIT, see fixtures/data/SOURCES.md).
 */
const ROLE = 'arn:aws:sts::111122223333:assumed-role/search-api/i-0abc';
function record(requestId: string, at: string, input: number, output: number, metadata: Record<string, string> = {}) {
  return {
    schemaType: 'ModelInvocationLog', schemaVersion: '1.0', timestamp: at, accountId: '111122223333', identity: { arn: ROLE }, region: 'us-east-1',
    requestId, operation: 'Converse', modelId: 'anthropic.claude-3-5-sonnet-20240620-v1:0',
    input: { inputContentType: 'application/json', inputTokenCount: input }, output: { outputContentType: 'application/json', outputTokenCount: output },
    ...(Object.keys(metadata).length ? { requestMetadata: metadata } : {}),
  };
}
/** A card with one centre, matched by the calling ARN, and the given pools. */
const cardFor = (arn: string, pools: readonly string[]) =>
  `version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { user: ["${arn}"] } }\npools:\n${pools.map((p) => `  - ${p}`).join('\n')}\n`;
const RECORDS = [record('r-1', '2026-10-05T10:00:00Z', 1500, 200, { feature: 'search' }), record('r-2', '2026-10-05T10:01:00Z', 25, 150), record('r-3', '2026-10-06T08:00:00Z', 219, 109)];

describe('Amazon Bedrock model-invocation logs (issue 16)', () => {
  it('S3 delivery (gzipped JSON lines) and a CloudWatch Logs export read to the same events; tokens equal the records\' own sums', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 's3.json.gz'), gzipSync(RECORDS.map((r) => JSON.stringify(r)).join('\n')));
    const s3 = await cliIn(dir, ['ingest', join(dir, 's3.json.gz'), '--source', 'gateway']);
    assert.equal(s3.code, 0, s3.stderr);
    assert.match(s3.stdout, /\(bedrock\): 3 rows read, 3 stored/);
    const export_ = { events: RECORDS.map((r, i) => ({ timestamp: Date.parse(r.timestamp), message: JSON.stringify(r), ingestionTime: 1 + i })), nextForwardToken: 'f/1', nextBackwardToken: 'b/1' };
    writeFileSync(join(dir, 'cw.json'), JSON.stringify(export_, null, 2));
    assert.match((await cliIn(dir, ['ingest', join(dir, 'cw.json'), '--source', 'gateway'])).stdout, /\(bedrock\): 3 rows read, 0 stored, 3 duplicate/);
    writeFileSync(join(dir, 'card.yaml'), cardFor(ROLE, [
      '{ id: in, cost: { fixed: "1.00" }, method: proportional, driver: input_tokens }',
      '{ id: out, cost: { fixed: "1.00" }, method: proportional, driver: output_tokens, usage: { tags: { feature: [search] } } }',
    ]));
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout) as { lines: { pool: string; quantity: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.pool, l.quantity]), [
      ['in', String(RECORDS.reduce((s, r) => s + r.input.inputTokenCount, 0))],
      ['out', String(RECORDS[0]!.output.outputTokenCount)],
    ]);
  });

  it('a real logged record (fixtures/data/gateway, MIT): its token counts are the response\'s own usage, 4 + 38 = 42', async () => {
    const { dir } = workspace();
    const file = fixture('data/gateway/bedrock_model-invocation-log_nova-lite_converse-stream.jsonl');
    const sample = JSON.parse(readFileSync(file, 'utf8')) as { output: { outputBodyJson: { usage: { inputTokens: number; outputTokens: number; totalTokens: number } } } };
    const run = await cliIn(dir, ['ingest', file, '--source', 'gateway']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(bedrock\): 1 rows read, 1 stored, 0 duplicate, 0 rejected/);
    writeFileSync(join(dir, 'card.yaml'), cardFor('arn:aws:iam::XXXXXXXXXXXX:user/dheeraj', [
      '{ id: nova, cost: { fixed: "42.00" }, usage: { models: [amazon.nova-lite-v1:0] }, method: proportional, driver: tokens }',
    ]));
    assert.equal((await cliIn(dir, ['compute', '--month', '2025-03', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const [line] = (JSON.parse((await cliIn(dir, ['statement', '--month', '2025-03', '--format', 'json'])).stdout) as { lines: { cost_centre: string; quantity: string; amount: string }[] }).lines;
    const usage = sample.output.outputBodyJson.usage;
    assert.equal(usage.inputTokens + usage.outputTokens, usage.totalTokens);
    assert.deepEqual([line!.cost_centre, line!.quantity, line!.amount], ['CC-1', String(usage.totalTokens), '42.00']);
  });

  it('malformed twins: a record without its input count, an export event whose message is not JSON: one-line rejects', async () => {
    const { dir } = workspace();
    const bad = { ...RECORDS[1]!, requestId: 'r-9', input: { inputContentType: 'application/json' } };
    writeFileSync(join(dir, 'a.jsonl'), `${[RECORDS[0], bad].map((r) => JSON.stringify(r)).join('\n')}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'a.jsonl'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.match(run.stdout, /2 rows read, 1 stored, 0 duplicate, 1 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /field ""input\.inputtokencount"": missing/);
    writeFileSync(join(dir, 'cw.json'), JSON.stringify({ events: [{ timestamp: 1, message: 'START RequestId: x' }], nextForwardToken: 'f' }));
    const cw = await cliIn(dir, ['ingest', join(dir, 'cw.json'), '--source', 'gateway', '--rejects', join(dir, 'r2.csv')]);
    assert.equal(cw.code, 1);
    const rejects = parse(readFileSync(join(dir, 'r2.csv'), 'utf8'), { columns: true }) as { reason: string }[];
    assert.deepEqual(rejects.map((r) => r.reason), ['a log event whose message is not JSON']);
  });

  it('prompt caching: inputTokenCount is the uncached part, so input is it plus cache reads and writes (issue 29)', async () => {
    const { dir } = workspace();
    // As Bedrock logs a cached request: 2 uncached input tokens, 95,500 read from the cache, 1,200 written to it.
    const cached = { ...RECORDS[0]!, requestId: 'r-c', input: { inputContentType: 'application/json', inputTokenCount: 2, cacheReadInputTokenCount: 95500, cacheWriteInputTokenCount: 1200 } };
    writeFileSync(join(dir, 'c.jsonl'), `${JSON.stringify(cached)}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'c.jsonl'), '--source', 'gateway']);
    assert.match(run.stdout, /1 rows read, 1 stored, 0 duplicate, 0 rejected; token classes: cache_write_tokens\n$/);
    writeFileSync(join(dir, 'card.yaml'), cardFor(ROLE, ['{ id: in, cost: { fixed: "1.00" }, method: proportional, driver: input_tokens }',
      '{ id: reads, cost: { fixed: "1.00" }, method: proportional, driver: cached_input_tokens }']));
    await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout) as { lines: { pool: string; quantity: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.pool, l.quantity]), [['in', '96702'], ['reads', '95500']]);
  });
});
