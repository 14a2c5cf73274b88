import assert from 'node:assert/strict';
import { DIMS_VALUES } from '../../src/ledger/usage-writer.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { monthRange, parseMonth } from '../../src/domain/month.js';
import { naturalKey } from '../../src/keys.js';
import { beginBatch } from '../../src/ledger/batches.js';
import { openLedger } from '../../src/ledger/open.js';
import { MIGRATIONS } from '../../src/ledger/schema.js';
import { usageGroups } from '../../src/ledger/usage.js';

const DAY = Math.floor(Date.UTC(2026, 9, 5) / 86_400_000);

/** A ledger as version 3 left it: one dims row, one event and its daily sum. */
function ledgerAtVersion3(path: string): void {
  const db = new Database(path);
  for (const step of MIGRATIONS.slice(0, 3)) db.exec(step as string);
  db.pragma('user_version = 3');
  db.prepare(`INSERT INTO usage_dims (id, api_key_fp, api_key_last4, user_name, team, project, model, tier, environment, tags)
    VALUES (7, 'sha256:00000000000a', 'abcd', 'ann', 'search', '', 'm1', 'batch', '', '{"feature":"chat"}')`).run();
  db.prepare(`INSERT INTO usage_events (batch_id, natural_key, ts_ms, dim_id, status, input_tokens, output_tokens, cached_input_tokens)
    VALUES (1, 'r:old', ?, 7, 'ok', 100, 10, 0)`).run(DAY * 86_400_000);
  db.prepare('INSERT INTO usage_daily VALUES (?, 7, 1, 100, 10, 0)').run(DAY);
  db.close();
}

describe('ledger migrations', () => {
  it('versions 4, 5 and 15 keep every dims row, its id and every event; new events of the same dims find it, old keys stay duplicates', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cb-migrate-')), 'l.db');
    ledgerAtVersion3(path);
    const db = openLedger(path, { create: false });
    assert.equal(db.schemaVersion(), MIGRATIONS.length);
    assert.deepEqual(db.prepare(`SELECT d.id, i.user_name, i.api_key_last4, a.tags FROM usage_dims d ${DIMS_VALUES}`).all(), [{ id: 7, user_name: 'ann', api_key_last4: 'abcd', tags: '{"feature":"chat"}' }]);
    const event = {
      tsMs: DAY * 86_400_000 + 1000, requestId: 'new', apiKeyFp: 'sha256:00000000000a', apiKeyLast4: 'abcd', user: 'ann', team: 'search',
      model: 'm1', tier: 'batch', inputTokens: 5, outputTokens: 1, cachedInputTokens: 0, status: 'ok' as const, tags: { feature: 'chat' },
    };
    const writer = beginBatch(db, { source: 'gateway', format: 'csv', fileName: 'f', startedAt: 'now' });
    assert.equal(writer.insert([{ key: naturalKey(event), event }]), 1);
    writer.commit('sha', { read: 1, accepted: 1, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, 'now', false);
    assert.equal(db.prepare('SELECT COUNT(*) FROM usage_dims').pluck().get(), 1, 'no second dims row for the same dims');
    const again = beginBatch(db, { source: 'gateway', format: 'csv', fileName: 'g', startedAt: 'now' });
    assert.equal(again.insert([{ key: 'r:old', event: { ...event, requestId: 'old' } }]), 0, 'the migrated event is still a duplicate');
    again.rollback();
    const groups = usageGroups(db, monthRange(parseMonth('2026-10')!, 'UTC'));
    assert.deepEqual(groups.map((g) => [g.identity.user, g.tags, g.quantities.requests.toFixed(), g.quantities.input_tokens.toFixed()]),
      [['ann', { feature: 'chat' }, '2', '105']]);
    db.close();
  });
});
