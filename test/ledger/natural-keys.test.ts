import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { monthRange, parseMonth } from '../../src/domain/month.js';
import type { UsageEvent } from '../../src/domain/types.js';
import { naturalKey } from '../../src/keys.js';
import { beginBatch } from '../../src/ledger/batches.js';
import { openLedger } from '../../src/ledger/open.js';
import { usageGroups } from '../../src/ledger/usage.js';

const OCT_5 = Date.UTC(2026, 9, 5);
const event = (id: number): UsageEvent => ({
  tsMs: OCT_5 + id * 1000, requestId: `r${id}`, team: 't', model: 'm', inputTokens: id, outputTokens: 1, cachedInputTokens: 0, status: 'ok', tags: {},
});

describe('natural keys: unique through their hash, exact when hashes collide', () => {
  // Degenerate hashes force the collision path that hash52 reaches once in ~10^15 pairs.
  const hashes: [string, (key: string) => number][] = [['every key the same hash', () => 7], ['three hashes in all', (key) => key.length % 3]];
  for (const [name, keyHash] of hashes) {
    it(`${name}: every distinct key stored once, every repeat a duplicate, sums equal the unique events`, () => {
      fc.assert(
        fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 70 }), { minLength: 1, maxLength: 4 }), (batches) => {
          const db = openLedger(join(mkdtempSync(join(tmpdir(), 'cb-keys-')), 'l.db'), { create: true });
          const seen = new Set<number>();
          batches.forEach((ids, i) => {
            const writer = beginBatch(db, { source: 'gateway', format: 'csv', fileName: `f${i}`, startedAt: 'now' }, keyHash);
            const fresh = new Set(ids.filter((id) => !seen.has(id))).size;
            assert.equal(writer.insert(ids.map(event).map((e) => ({ key: naturalKey(e), event: e }))), fresh);
            ids.forEach((id) => seen.add(id));
            writer.commit(`sha${i}`, { read: ids.length, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, 'now', false);
          });
          const [group] = usageGroups(db, monthRange(parseMonth('2026-10')!, 'UTC'));
          assert.equal(Number(group?.quantities.requests ?? 0), seen.size);
          assert.equal(Number(group?.quantities.input_tokens ?? 0), [...seen].reduce((a, b) => a + b, 0));
          assert.equal(db.prepare('SELECT COUNT(*) FROM usage_events').pluck().get(), seen.size);
          db.close();
        }),
        { numRuns: 40 },
      );
    });
  }
});
