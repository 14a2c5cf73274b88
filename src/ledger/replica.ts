import type { UsageEvent } from '../domain/types.js';
import { beginBatch } from './batches.js';
import type { Ledger } from './open.js';

/** Events handed to the replica's writer at a time: bounded memory on a ledger of any size. */
const EVENTS_PER_CHUNK = 10_000;

type EventRow = [string, number, string, number, number, number, number | null, number, string, string, string, string, string, string, string, string, string];

/**
 * Fills the empty ledger `target` with exactly the rows the batches `batchIds` of `source`
 * still hold: what a run read, and nothing ingested since. Billing records and GPU samples
 * are copied as they are; events go through the batch writer again, so the replica's daily
 * sums are made the one way every ledger's are (SPEC §5: a run recomputed from the ledger).
 */
export function replicateBatches(source: Ledger, target: Ledger, batchIds: readonly number[]): void {
  const ids = JSON.stringify(batchIds);
  const inBatches = 'batch_id IN (SELECT value FROM json_each(?))';
  target.prepare('ATTACH DATABASE ? AS source').run(source.name);
  try {
    target.transaction(() => {
      target.prepare('INSERT INTO batches SELECT * FROM source.batches WHERE id IN (SELECT value FROM json_each(?))').run(ids);
      target.prepare(`INSERT INTO billing_records SELECT * FROM source.billing_records WHERE ${inBatches}`).run(ids);
      target.prepare(`INSERT INTO gpu_samples SELECT * FROM source.gpu_samples WHERE ${inBatches}`).run(ids);
    })();
    // Paged by event id: this connection cannot write while a read of it is still open.
    const page = target.prepare(`SELECT e.id, e.natural_key, e.ts_ms, e.status, e.input_tokens, e.output_tokens, e.cached_input_tokens,
        e.latency_ms, e.requests, d.api_key_fp, d.api_key_last4, d.user_name, d.team, d.project, d.model, d.tier, d.environment, d.tags
      FROM source.usage_events e JOIN source.usage_dims d ON d.id = e.dim_id
      WHERE e.${inBatches} AND e.id > ? ORDER BY e.id LIMIT ${EVENTS_PER_CHUNK}`).raw();
    const batch = beginBatch(target, { source: 'gateway', format: 'replica', fileName: source.name, startedAt: new Date(0).toISOString() });
    for (let after = 0; ;) {
      const rows = page.all(ids, after) as [number, ...EventRow][];
      if (rows.length === 0) break;
      batch.insert(rows.map(([, ...row]) => eventOf(row)));
      after = rows[rows.length - 1]![0];
    }
    batch.commit(`replica of ${ids}`, { read: 0, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, new Date(0).toISOString(), true);
  } finally {
    target.exec('DETACH DATABASE source');
  }
}

/** A stored event as a reader made it: '' in a dims column is "none" (see the schema). */
function eventOf([key, tsMs, status, input, output, cached, latency, requests, fp, last4, user, team, project, model, tier, environment, tags]: EventRow): { key: string; event: UsageEvent } {
  const optional = (name: keyof UsageEvent, value: string) => (value === '' ? {} : { [name]: value });
  return {
    key,
    event: {
      tsMs, model, inputTokens: input, outputTokens: output, cachedInputTokens: cached, requests, status: status === 'ok' ? 'ok' : 'error',
      tags: JSON.parse(tags) as Record<string, string>,
      ...(latency === null ? {} : { latencyMs: latency }),
      ...optional('apiKeyFp', fp), ...optional('apiKeyLast4', last4), ...optional('user', user), ...optional('team', team),
      ...optional('project', project), ...optional('tier', tier), ...optional('environment', environment),
    },
  };
}
