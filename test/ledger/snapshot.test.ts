import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { monthRange, parseMonth } from '../../src/domain/month.js';
import type { UsageEvent } from '../../src/domain/types.js';
import { EVERY_ROW } from '../../src/domain/usage-classes.js';
import { naturalKey } from '../../src/keys.js';
import { beginBatch } from '../../src/ledger/batches.js';
import { inSnapshot, openLedger, type Ledger } from '../../src/ledger/open.js';
import { classifyUsage } from '../../src/ledger/usage.js';

const event = (id: string, user: string): UsageEvent => ({
  tsMs: Date.UTC(2026, 9, 5), requestId: id, user, model: 'm', inputTokens: 10, outputTokens: 1, cachedInputTokens: 0, status: 'ok', tags: {},
});

function ingest(db: Ledger, name: string, events: UsageEvent[]): void {
  const writer = beginBatch(db, { source: 'gateway', format: 'csv', fileName: name, startedAt: 'now' });
  writer.insert(events.map((e) => ({ key: naturalKey(e), event: e })));
  writer.commit(name, { read: events.length, accepted: events.length, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, 'now', false);
}

describe('compute reads one snapshot of the ledger', () => {
  // A cron ingest commits a batch while a month is being classified and summed. The batch has
  // one event of a dims row the month already knows (ann) and one of a new one (bo). Read in
  // one snapshot, the month sees neither; read statement by statement, it would see ann's and
  // drop bo's: half a batch.
  it('a batch committed meanwhile counts whole or not at all', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'cb-snapshot-')), 'l.db');
    const reader = openLedger(path, { create: true });
    ingest(reader, 'first', [event('r1', 'ann')]);
    const writer = openLedger(path, { create: false });
    const range = monthRange(parseMonth('2026-10')!, 'UTC');
    const requests = (groups: { quantities: { requests: { toNumber(): number } } }[]) => groups.reduce((n, g) => n + g.quantities.requests.toNumber(), 0);
    const seen = inSnapshot(reader, () => {
      const classified = classifyUsage(reader, range, 0, EVERY_ROW);
      ingest(writer, 'meanwhile', [event('r2', 'ann'), event('r3', 'bo')]);
      return requests(classified.groups());
    });
    assert.equal(seen, 1);
    assert.equal(requests(classifyUsage(reader, range, 0, EVERY_ROW).groups()), 3);
    reader.close();
    writer.close();
  });
});
