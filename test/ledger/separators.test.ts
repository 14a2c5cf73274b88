import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { DIMS_VALUES } from '../../src/ledger/usage-writer.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { UsageEvent } from '../../src/domain/types.js';
import { encodeItems } from '../../src/ingest/encoded.js';
import { naturalKey } from '../../src/keys.js';
import type { ReadItem } from '../../src/ingest/reader.js';
import { beginBatch } from '../../src/ledger/batches.js';
import { openLedger } from '../../src/ledger/open.js';

/** Any text a gateway client can set, control characters and lone surrogates included. */
const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('\u0000', '\u0001', 'a\u0000b', '"', '\\', '","', '__proto__', ''));
const event = fc.record({
  requestId: fc.option(text, { nil: undefined }),
  user: fc.option(text, { nil: undefined }),
  team: fc.option(text, { nil: undefined }),
  project: fc.option(text, { nil: undefined }),
  model: text,
  tier: fc.option(text, { nil: undefined }),
  environment: fc.option(text, { nil: undefined }),
  tags: fc.dictionary(text, text, { maxKeys: 3 }),
  apiKeyLast4: fc.option(text, { nil: undefined }),
  input: fc.nat({ max: 1000 }),
}).map((e, ): UsageEvent => ({
  tsMs: Date.UTC(2026, 9, 5), model: e.model, inputTokens: e.input, outputTokens: 1, cachedInputTokens: 0, status: 'ok',
  tags: Object.fromEntries(Object.entries(e.tags).filter(([k]) => k !== '')),
  ...(e.requestId === undefined ? {} : { requestId: e.requestId }),
  ...(e.user ? { user: e.user } : {}), ...(e.team ? { team: e.team } : {}), ...(e.project ? { project: e.project } : {}),
  ...(e.tier ? { tier: e.tier } : {}), ...(e.environment ? { environment: e.environment } : {}),
  // A fingerprint is of one key, so it comes with one set of last four characters, as real
  // keys do: one fingerprint with two endings let a duplicate row's ending name the identity.
  ...(e.apiKeyLast4 ? { apiKeyFp: `sha256:${createHash('sha256').update(e.apiKeyLast4).digest('hex').slice(0, 12)}`, apiKeyLast4: e.apiKeyLast4 } : {}),
}));

describe('client-set values never cross into another field or request (issue 13)', () => {
  it('every event is stored with exactly its own identity, model, tier, environment and tags, whatever characters they hold', () => {
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 12 }), (events) => {
        const db = openLedger(join(mkdtempSync(join(tmpdir(), 'cb-sep-')), 'l.db'), { create: true });
        const items: ReadItem[] = events.map((e, i) => ({ kind: 'event', line: i + 2, event: e, cells: [] }));
        const batch = beginBatch(db, { source: 'gateway', format: 'test', fileName: 't', startedAt: '' });
        batch.insertEncoded(encodeItems(items).events);
        batch.commit('x', { read: 0, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, '', true);
        const stored = db.prepare(`SELECT i.user_name, i.team, i.project, a.model, a.tier, a.environment, a.tags, i.api_key_last4
          FROM usage_events e JOIN usage_dims d ON d.id = e.dim_id ${DIMS_VALUES} WHERE e.natural_key = ?`).raw();
        const seen = new Set<string>();
        // A key's last four characters come from the key its fingerprint is of: an identity
        // keeps those it was first seen with (a generated event may pair them otherwise).
        const last4 = new Map<string, string>();
        const firstOfKey = new Map(events.map((e) => [naturalKey(e), e] as const).reverse());
        for (const e of events.filter((event) => firstOfKey.get(naturalKey(event)) === event)) {
          const identity = JSON.stringify([e.apiKeyFp ?? '', e.user ?? '', e.team ?? '', e.project ?? '']);
          if (!last4.has(identity)) last4.set(identity, e.apiKeyLast4 ?? '');
        }
        for (const e of events) {
          const key = naturalKey(e);
          if (seen.has(key)) continue; // a repeated key is a duplicate: the first one stays
          seen.add(key);
          const row = stored.get(key) as string[] | undefined;
          assert.ok(row, `event ${JSON.stringify(key)} is stored under its own key`);
          const sortedTags = Object.fromEntries(Object.entries(e.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
          assert.deepEqual(row, [e.user ?? '', e.team ?? '', e.project ?? '', e.model, e.tier ?? '', e.environment ?? '', JSON.stringify(sortedTags),
            last4.get(JSON.stringify([e.apiKeyFp ?? '', e.user ?? '', e.team ?? '', e.project ?? '']))]);
        }
        db.close();
      }),
      { numRuns: 150 },
    );
  });
});
