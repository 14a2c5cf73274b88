import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Database from 'better-sqlite3';
import { chargeback, fixture, workspace } from './cli.js';
import { startCluster, type Cluster } from './pg-cluster.js';

/**
 * `ingest --from postgresql://…` against a real PostgreSQL server holding LiteLLM's published
 * table layout (fixtures/litellm/schema.sql), started from the machine's binaries.
 */
describe('LiteLLM\'s own PostgreSQL as a source (issue 16)', () => {
  let cluster: Cluster;
  let db: pg.Client;
  before(async () => {
    cluster = await startCluster();
    db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    await db.query(readFileSync(fixture('litellm/schema.sql'), 'utf8'));
    await db.query(`INSERT INTO "LiteLLM_TeamTable" (team_id, team_alias) VALUES ('team-a', 'search'), ('team-b', 'support')`);
    await db.query(`INSERT INTO "LiteLLM_UserTable" (user_id, user_email) VALUES ('u-1', 'ann@example.com')`);
    // 12,000 requests a minute apart from 2026-10-01 (more than two pages of 5,000).
    await db.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, prompt_tokens, completion_tokens, total_tokens,
        "startTime", "endTime", model, "user", team_id, status, request_tags)
      SELECT 'req-' || i, 'acompletion', encode(sha256(('sk-key-' || (i % 7))::bytea), 'hex'), 0.001, i % 97, i % 13, i % 97 + i % 13,
        TIMESTAMP '2026-10-01 00:00:00' + i * INTERVAL '1 minute', TIMESTAMP '2026-10-01 00:00:01' + i * INTERVAL '1 minute',
        'gpt-4o', CASE WHEN i % 5 = 0 THEN 'u-1' ELSE '' END, (ARRAY['team-a', 'team-b', NULL])[1 + i % 3], 'success', '["feature:chat"]'::jsonb
      FROM generate_series(1, 12000) AS i`);
    // The real LiteLLM sample row, as LiteLLM's tests store it: no key, user or team.
    const sample = JSON.parse(readFileSync(fixture('data/gateway/litellm_spend_logs_payload.json'), 'utf8')) as Record<string, unknown>;
    await db.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, spend, prompt_tokens, completion_tokens, total_tokens, "startTime", "endTime", model, status)
      VALUES ($1, $2, '', $3, $4, $5, $6, $7, $8, $9, $10)`,
    [sample.request_id, sample.call_type, sample.spend, sample.prompt_tokens, sample.completion_tokens, sample.total_tokens, sample.startTime, sample.endTime, sample.model, sample.status]);
  });
  after(async () => {
    await db?.end();
    cluster?.stop();
  });

  const tokens = async (where = 'TRUE') =>
    (await db.query(`SELECT SUM(prompt_tokens)::int AS input, COUNT(*)::int AS n FROM "LiteLLM_SpendLogs" WHERE api_key <> '' AND ${where}`)).rows[0] as { input: number; n: number };

  it('pulls everything the first time, then only what is new; totals equal the database\'s own sums; names come from the team table', async () => {
    const { dir } = workspace();
    const pull = () => chargeback(dir, ['ingest', '--source', 'gateway', '--from', cluster.url, '--rejects', join(dir, 'r.csv')]);
    const first = pull();
    assert.equal(first.code, 1, first.stderr); // the sample row has no identity: one reject
    assert.match(first.stdout, /^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres: batch 1 \(litellm\): 12001 rows read, 12000 stored, 0 duplicate, 1 rejected/);
    assert.match(readFileSync(join(dir, 'r.csv'), 'utf8'), /no identity/);

    // Again at once: only the last hour is read again, and all of it is already stored.
    const again = pull();
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /: batch 2 \(litellm\): 61 rows read, 0 stored, 61 duplicate, 0 rejected/);

    // New rows, and one written late (dated 30 minutes before the cursor): all read, once.
    await db.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, prompt_tokens, completion_tokens, "startTime", "endTime", model, team_id, status)
      SELECT 'new-' || i, 'acompletion', encode(sha256('sk-key-1'::bytea), 'hex'), 10, 1, TIMESTAMP '2026-10-09 08:00:00' + i * INTERVAL '1 second',
        TIMESTAMP '2026-10-09 08:00:00' + i * INTERVAL '1 second', 'gpt-4o', 'team-a', 'success' FROM generate_series(1, 100) AS i`);
    await db.query(`INSERT INTO "LiteLLM_SpendLogs" (request_id, call_type, api_key, prompt_tokens, completion_tokens, "startTime", "endTime", model, team_id, status)
      VALUES ('late-1', 'acompletion', encode(sha256('sk-key-2'::bytea), 'hex'), 5, 5, TIMESTAMP '2026-10-09 07:30:00', TIMESTAMP '2026-10-09 07:30:00', 'gpt-4o', 'team-b', 'success')`);
    const third = pull();
    assert.match(third.stdout, /: batch 3 \(litellm\): \d+ rows read, 101 stored, \d+ duplicate, 0 rejected/);

    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
unpriced: ignore
cost_centres:
  - { id: CC-SEARCH, match: { tag.team_alias: [search] } }
  - { id: CC-SUPPORT, match: { tag.team_alias: [support] } }
pools:
  - { id: chat, cost: { fixed: "1000.00" }, method: proportional, driver: input_tokens }
`);
    assert.equal(chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]).code, 0);
    const lines = (JSON.parse(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'json']).stdout) as { lines: { cost_centre: string; quantity: string | null }[] }).lines;
    const quantity = (centre: string) => Number(lines.find((l) => l.cost_centre === centre)?.quantity ?? 0);
    assert.equal(quantity('CC-SEARCH'), (await tokens(`team_id = 'team-a'`)).input);
    assert.equal(quantity('CC-SUPPORT'), (await tokens(`team_id = 'team-b'`)).input);
    assert.equal(lines.reduce((s, l) => s + Number(l.quantity ?? 0), 0), (await tokens()).input);
  });

  it('a row whose metadata is nested thousands deep is stored right beside the others, never a crash (issue 31)', async () => {
    await db.query('CREATE SCHEMA hostile');
    await db.query(`SET search_path TO hostile; ${readFileSync(fixture('litellm/schema.sql'), 'utf8')}; SET search_path TO public`);
    const deep = `${'{"__proto__":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    await db.query(`INSERT INTO hostile."LiteLLM_SpendLogs" (request_id, call_type, api_key, prompt_tokens, completion_tokens, "startTime", "endTime", model, status, metadata)
      VALUES ('deep', 'acompletion', 'k1', 1, 1, TIMESTAMP '2026-10-02 00:00:00', TIMESTAMP '2026-10-02 00:00:01', 'gpt-4o', 'success', CAST($1 AS jsonb)),
             ('plain', 'acompletion', 'k1', 7, 1, TIMESTAMP '2026-10-02 00:00:02', TIMESTAMP '2026-10-02 00:00:03', 'gpt-4o', 'success', '{"user_api_key_alias": "ann"}')`,
    [`{"user_api_key_alias": "ann", "deep": ${deep}}`]);
    const { dir } = workspace();
    const run = chargeback(dir, ['ingest', '--source', 'gateway', '--from', `${cluster.url}?schema=hostile`, '--rejects', join(dir, 'r.csv')]);
    // The metadata is read as text and decoded only as deep as a field's path goes: stored right.
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /: batch 1 \(litellm\): 2 rows read, 2 stored, 0 duplicate, 0 rejected/);
    const ledger = new Database(join(dir, 'chargeback.db'), { readonly: true });
    assert.deepEqual(ledger.prepare('SELECT SUM(input_tokens) AS input, COUNT(*) AS n FROM usage_events').get(), { input: 8, n: 2 });
    ledger.close();
  });

  it('a database it cannot reach is one line, exit 2, and nothing stored; --from with files is a usage error', () => {
    const { dir } = workspace();
    const run = chargeback(dir, ['ingest', '--source', 'gateway', '--from', 'postgresql://nobody:secret@127.0.0.1:1/none']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^chargeback: postgresql:\/\/nobody@127\.0\.0\.1:1\/none: cannot read LiteLLM's spend log \(.+\)\n$/);
    assert.doesNotMatch(run.stderr, /secret/);
    const both = chargeback(dir, ['ingest', 'x.csv', '--source', 'gateway', '--from', cluster.url]);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /--from reads a database: give no files with it/);
    assert.equal(chargeback(dir, ['batches', '--format', 'json']).stdout.trim(), '[]');
  });
});
