import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectSync } from '../../src/ledger/postgresql/sync-client.js';
import { chargeback, fixture, workspace } from './cli.js';
import { startCluster, type Cluster } from './pg-cluster.js';

/*
 * `ledger copy` (issue 20) on a real PostgreSQL: a throwaway cluster from the machine's
 * binaries (a machine without them fails here; .ci/run installs them). A SQLite ledger with
 * gateway, billing and GPU batches and a closed month with an adjustment goes to PostgreSQL
 * and back to a new SQLite file; every view of the books is byte-identical at the end, and
 * the copied-back run still recomputes byte-identically from its batches.
 */
describe('ledger copy between SQLite and PostgreSQL (issue 20)', () => {
  let cluster: Cluster;
  const { dir } = workspace();
  const card = fixture('spec-example/ratecard.yaml');
  const original = join(dir, 'chargeback.db');
  const back = join(dir, 'back.db');
  const at = (ledger: string, args: string[]) => chargeback(dir, ['--ledger', ledger, ...args]);

  before(async () => {
    cluster = await startCluster();
    for (const [file, source, ...more] of [
      [fixture('spec-example/gateway-2026-10.csv'), 'gateway'],
      [fixture('data/focus/focus-spec_ai_multi_model_usage.csv'), 'billing'],
      [fixture('data/gpu/nvidia_gpu_exporter_scrape_h100-80gb-hbm3_load.prom'), 'gpu', '--at', '2026-10-14T09:00:00Z', '--host', 'gpu-node-1'],
    ] as string[][]) {
      const ingest = at(original, ['ingest', file!, '--source', source!, ...more]);
      assert.equal(ingest.code, 0, ingest.stderr);
    }
    assert.equal(at(original, ['compute', '-m', '2026-10', '-r', card, '--close']).code, 0);
    // The books exported: the record of what was posted moves with the ledger.
    assert.equal(at(original, ['export', 'erp', '-m', '2026-10', '-o', join(dir, 'journal.csv')]).code, 0);
    assert.equal(at(original, ['compute', '-m', '2026-10', '-r', card]).code, 0);
  });
  after(() => cluster?.stop());

  it('copies every row to PostgreSQL and back, verified, and every view of the books stays byte-identical', () => {
    const up = at(original, ['ledger', 'copy', '--from', original, '--to', cluster.url, '-f', 'json']);
    assert.equal(up.code, 0, up.stderr);
    const copied = JSON.parse(up.stdout) as { verified: boolean; tables: { table: string; rows: number }[] };
    assert.equal(copied.verified, true);
    assert.ok(copied.tables.find((t) => t.table === 'usage_events')!.rows > 0);
    assert.ok(copied.tables.find((t) => t.table === 'billing_records')!.rows > 0);
    assert.ok(copied.tables.find((t) => t.table === 'gpu_samples')!.rows > 0);
    const down = at(original, ['ledger', 'copy', '--from', cluster.url, '--to', back]);
    assert.equal(down.code, 0, down.stderr);
    assert.match(down.stdout, /verified: every table has the same rows in both ledgers/);
    for (const view of [['statement', '-m', '2026-10', '-f', 'json'], ['statement', '-m', '2026-10', '--run', '2', '-f', 'csv'], ['runs', '-f', 'json'],
      ['batches', '-f', 'json'], ['export', 'erp', '-m', '2026-10', '--adjustments', '--dry-run'], ['explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '-f', 'json']]) {
      const [a, b] = [at(original, view), at(back, view)];
      assert.equal(a.code, 0, a.stderr);
      assert.equal(b.stdout, a.stdout, view.join(' '));
    }
    const verified = at(back, ['runs', '--verify', '1']);
    assert.equal(verified.code, 0, verified.stderr);
    // The copy goes on where the original left off: every table's next row takes the next
    // id (PostgreSQL's sequences were left at 1 for the journals a copy carried).
    const db = connectSync(cluster.url);
    try {
      for (const table of ['batches', 'usage_identities', 'usage_attributes', 'usage_dims', 'runs', 'billing_records', 'exports']) {
        const { max, next } = db.query<{ max: string; next: string }>(`SELECT (SELECT MAX(id) FROM ${table}) AS max,
          nextval(pg_get_serial_sequence('${table}', 'id')) AS next`).rows[0]!;
        assert.ok(Number(next) > Number(max ?? 0), `${table}: next id ${next} after ${max}`);
      }
    } finally {
      db.close();
    }
  });

  it('keeps money NUMERIC and events partitioned by month in PostgreSQL', () => {
    const db = connectSync(cluster.url);
    try {
      const types = db.query<{ column_name: string; data_type: string }>("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'run_lines' AND column_name IN ('amount', 'quantity')").rows;
      assert.deepEqual(types.map((t) => t.data_type), ['numeric', 'numeric']);
      const partitions = db.query<{ name: string; n: string }>(`SELECT c.relname AS name, (SELECT COUNT(*) FROM usage_events e WHERE e.tableoid = c.oid) AS n
        FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'usage_events'::regclass ORDER BY c.relname`).rows;
      assert.deepEqual(partitions.map((p) => [p.name, Number(p.n) > 0]), [['usage_events_2026_10', true], ['usage_events_unpartitioned', false]]);
      const amount = db.query<{ amount: string }>('SELECT amount FROM run_lines WHERE run_id = 1 ORDER BY seq LIMIT 1').rows[0]!.amount;
      assert.equal(typeof amount, 'string');
    } finally {
      db.close();
    }
  });

  it('refuses to copy into a ledger in use, and names a server it cannot reach in one line', () => {
    const again = at(original, ['ledger', 'copy', '--from', original, '--to', cluster.url]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^chargeback: postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres already holds a ledger: copy into an empty database\n$/);
    const exists = at(original, ['ledger', 'copy', '--from', cluster.url, '--to', back]);
    assert.equal(exists.stderr, `chargeback: ${back} already exists: copy into a new file\n`);
    const refused = at(original, ['ledger', 'copy', '--from', original, '--to', 'postgresql://someone:secret@127.0.0.1:1/none']);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /^chargeback: postgresql:\/\/someone:\*\*\*@127\.0\.0\.1:1\/none: connect ECONNREFUSED 127\.0\.0\.1:1\n$/);
  });
});
