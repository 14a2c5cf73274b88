import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { cliIn, workspace } from './cli.js';

// Two OpenAI-style records: one with no identity at all, one with a user of its own.
const LOG = [
  '{"id":"c1","created":1790000000,"model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":5}}',
  '{"id":"c2","created":1790000100,"model":"gpt-4o","user":"ann","usage":{"prompt_tokens":7,"completion_tokens":1}}',
].join('\n');

describe('ingest --set: an identity for records that carry none (issue 16)', () => {
  it('fills each missing field, keeps what a record has, and is recorded on the batch', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'u.jsonl'), `${LOG}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'u.jsonl'), '--source', 'gateway', '--set', 'team=search', '--set', 'tag.feature=batch']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /2 rows read, 2 stored, 0 duplicate, 0 rejected/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-2, match: { user: [ann] } }
  - { id: CC-1, match: { team: [search] } }
pools:
  - { id: p, cost: { fixed: "17.00" }, method: proportional, driver: input_tokens, usage: { tags: { feature: [batch] } } }
`);
    const compute = await cliIn(dir, ['compute', '--month', '2026-09', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(compute.code, 0, compute.stderr);
    const statement = JSON.parse((await cliIn(dir, ['statement', '--month', '2026-09', '--format', 'json'])).stdout) as { lines: { cost_centre: string; amount: string }[] };
    const lines = statement.lines.map((l) => [l.cost_centre, l.amount]);
    // ann's record keeps its user (and gains team search): CC-2, listed first, takes it; the other is team search's.
    assert.deepEqual(lines, [['CC-1', '10.00'], ['CC-2', '7.00']]);
    const batches = await cliIn(dir, ['batches', '--format', 'json']);
    assert.deepEqual((JSON.parse(batches.stdout) as { options: unknown }[])[0]?.options, { format: 'openai-jsonl', set: ['tag.feature=batch', 'team=search'] });
    assert.match((await cliIn(dir, ['batches', '--wide'])).stdout, /--set tag\.feature=batch --set team=search/);
  });

  it('without it, the record with no identity is rejected with the reason', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'u.jsonl'), `${LOG}\n`);
    const run = await cliIn(dir, ['ingest', join(dir, 'u.jsonl'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /2 rows read, 1 stored, 0 duplicate, 1 rejected/);
  });

  const misuses: [string, string[], RegExp][] = [
    ['an unknown name', ['--set', 'tem=x'], /^chargeback: --set tem=x: expected user=, team=, project= or tag\.NAME= followed by a value \(see "chargeback ingest --help"\)\n$/],
    ['an empty value', ['--set', 'team='], /^chargeback: --set team=: the value is empty \(see "chargeback ingest --help"\)\n$/],
    ['a name given twice', ['--set', 'team=a', '--set', 'team=b'], /^chargeback: --set team is given twice \(see "chargeback ingest --help"\)\n$/],
    ['another source', ['--source', 'billing', '--set', 'team=a'], /^chargeback: --set gives gateway records an identity: it does not apply to --source billing \(see "chargeback ingest --help"\)\n$/],
  ];
  for (const [name, args, expected] of misuses) {
    it(`${name} is a usage error, exit 2, nothing stored`, async () => {
      const { dir } = workspace();
      writeFileSync(join(dir, 'u.jsonl'), `${LOG}\n`);
      const run = await cliIn(dir, ['ingest', join(dir, 'u.jsonl'), ...(args.includes('--source') ? [] : ['--source', 'gateway']), ...args]);
      assert.equal(run.code, 2);
      assert.match(run.stderr, expected);
      assert.equal((await cliIn(dir, ['batches', '--format', 'json'])).stdout.trim(), '[]');
    });
  }
});
