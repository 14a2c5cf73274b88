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
import { batchesInRange, usageGroups } from '../../src/ledger/usage.js';

const OCT = Date.UTC(2026, 9, 1);
const event = fc.record({
  id: fc.integer({ min: 0, max: 60 }),
  // From 2 days before October to 2 days after it, so month edges in any zone are crossed.
  offsetMs: fc.integer({ min: -2 * 86_400_000, max: 33 * 86_400_000 }),
  team: fc.constantFrom('a', 'b', 'c'),
  model: fc.constantFrom('m1', 'm2'),
  tier: fc.constantFrom(undefined, 'batch'),
  input: fc.nat({ max: 10_000 }),
  output: fc.nat({ max: 10_000 }),
  ok: fc.boolean(),
}).map((e): UsageEvent => ({
  // The request id decides identity: the same id always carries the same row.
  tsMs: OCT + e.offsetMs, requestId: `r${e.id}`, team: e.team, model: e.model, tier: e.tier,
  inputTokens: e.input, outputTokens: e.output, cachedInputTokens: 0, status: e.ok ? 'ok' : 'error', tags: {},
}));

/** Σ over unique request ids of ok events in [start, end), by team/model/tier. */
function expected(batches: UsageEvent[][], start: number, end: number): Map<string, [number, number, number]> {
  const unique = new Map<string, UsageEvent>();
  for (const batch of batches) for (const e of batch) if (!unique.has(e.requestId!)) unique.set(e.requestId!, e);
  const sums = new Map<string, [number, number, number]>();
  for (const e of unique.values()) {
    if (e.status !== 'ok' || e.tsMs < start || e.tsMs >= end) continue;
    const key = `${e.team}|${e.model}|${e.tier ?? ''}`;
    const s = sums.get(key) ?? [0, 0, 0];
    sums.set(key, [s[0] + 1, s[1] + e.inputTokens, s[2] + e.outputTokens]);
  }
  return sums;
}

describe('ledger: the daily sums kept at ingest', () => {
  it('equal a plain sum over the unique events, for UTC months and for months in other zones', () => {
    fc.assert(
      fc.property(fc.array(fc.array(event, { maxLength: 40 }), { minLength: 1, maxLength: 4 }), fc.constantFrom('UTC', 'Asia/Kolkata', 'America/Los_Angeles', 'off-quarter'), (batches, zone) => {
        // The first event of each request id is the one that counts: make later copies identical.
        const first = new Map<string, UsageEvent>();
        const consistent = batches.map((b) => b.map((e) => first.get(e.requestId!) ?? (first.set(e.requestId!, e), e)));
        const db = openLedger(join(mkdtempSync(join(tmpdir(), 'cb-ledger-')), 'l.db'), { create: true });
        consistent.forEach((batch, i) => {
          const writer = beginBatch(db, { source: 'gateway', format: 'csv', fileName: `f${i}`, startedAt: 'now' });
          writer.insert(batch.map((e) => ({ key: naturalKey(e), event: e })));
          writer.commit(`sha${i}`, { read: batch.length, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, 'now', false);
        });
        // 'off-quarter': a range 7 minutes off the quarter hour, which no edge sums serve: the
        // ledger must fall back to reading the events themselves, and still be exact.
        const utc = monthRange(parseMonth('2026-10')!, 'UTC');
        const range = zone === 'off-quarter' ? { startMs: utc.startMs + 420_000, endMs: utc.endMs + 420_000 } : monthRange(parseMonth('2026-10')!, zone);
        const got = new Map(usageGroups(db, range).map((g) => [
          `${g.identity.team}|${g.model}|${g.tier ?? ''}`,
          [g.quantities.requests, g.quantities.input_tokens, g.quantities.output_tokens].map(Number),
        ]));
        assert.deepEqual(got, expected(consistent, range.startMs, range.endMs));
        const withEvents = consistent.flatMap((b, i) => (b.some((e) => e.tsMs >= range.startMs && e.tsMs < range.endMs) ? [i + 1] : []));
        for (const id of batchesInRange(db, range)) assert.ok(withEvents.includes(id), `batch ${id} listed without events in the month`);
        db.close();
      }),
      { numRuns: 60 },
    );
  });
});
