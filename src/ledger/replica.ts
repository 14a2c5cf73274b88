import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { UsageEvent } from '../domain/types.js';
import { openLedger } from './open.js';
import { beginBatch } from './batches.js';
import { CLASS_COUNTS, COUNTS } from '../domain/usage-counts.js';
import { phrases } from './dialect.js';
import type { Ledger } from './engine.js';
import { DIMS_VALUES } from './usage-writer.js';

/** Events handed to the replica's writer at a time: bounded memory on a ledger of any size. */
const EVENTS_PER_CHUNK = 10_000;

/** natural key, time, status, latency, requests, the dims' nine columns, then the counts (COUNTS order). */
type EventRow = [string, number, string, number | null, number, string, string, string, string, string, string, string, string, string, ...number[]];

/**
 * Fills the empty ledger `target` with exactly the rows the batches `batchIds` of `source`
 * still hold: what a run read, and nothing ingested since. Billing records and GPU samples
 * are copied as they are; events go through the batch writer again, so the replica's daily
 * sums are made the one way every ledger's are (SPEC §5: a run recomputed from the ledger).
 */
export function replicateBatches(source: Ledger, target: Ledger, batchIds: readonly number[]): void {
  const ids = JSON.stringify(batchIds);
  const inBatches = (column: string) => phrases(source).inJsonList(column);
  target.transaction(() => {
    copyRows(source, target, 'batches', inBatches('id'), ids);
    copyRows(source, target, 'billing_records', inBatches('batch_id'), ids);
    copyRows(source, target, 'gpu_samples', inBatches('batch_id'), ids);
  }, 'write');
  const page = source.prepare(`SELECT e.id, e.natural_key, e.ts_ms, e.status, e.latency_ms, e.requests, i.api_key_fp, i.api_key_last4,
      i.user_name, i.team, i.project, a.model, a.tier, a.environment, a.tags, ${COUNTS.map((c) => `e.${c.column}`).join(', ')}
    FROM usage_events e JOIN usage_dims d ON d.id = e.dim_id ${DIMS_VALUES}
    WHERE ${inBatches('e.batch_id')} AND e.id > ? ORDER BY e.id LIMIT ${EVENTS_PER_CHUNK}`).raw();
  const batch = beginBatch(target, { source: 'gateway', format: 'replica', fileName: source.name, startedAt: new Date(0).toISOString() });
  for (let after = 0; ;) {
    const rows = page.all(ids, after) as [number, ...EventRow][];
    if (rows.length === 0) break;
    batch.insert(rows.map(([, ...row]) => eventOf(row)));
    after = rows[rows.length - 1]![0];
  }
  batch.commit(`replica of ${ids}`, { read: 0, accepted: 0, rejected: 0, duplicate: 0, ignoredColumns: [], rejectsFile: null }, new Date(0).toISOString(), true);
}

/**
 * A scratch SQLite ledger in a temporary folder holding exactly the batches `batchIds` of
 * `source` (replicateBatches): what `runs --verify` recomputes from and a view of a run
 * reads when later data exists. `discard` closes it and removes the folder.
 */
export function scratchReplica(source: Ledger, batchIds: readonly number[]): { ledger: Ledger; discard(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'chargeback-replica-'));
  const discard = () => rmSync(dir, { recursive: true, force: true });
  try {
    const ledger = openLedger(join(dir, 'replica.db'), { create: true });
    try {
      replicateBatches(source, ledger, batchIds);
    } catch (error) {
      ledger.close();
      throw error;
    }
    let discarded = false;
    return {
      ledger,
      discard: () => {
        if (discarded) return;
        discarded = true;
        ledger.close();
        discard();
      },
    };
  } catch (error) {
    discard();
    throw error;
  }
}

/** A table's rows as they are, by column name: both ledgers hold the same columns. */
function copyRows(source: Ledger, target: Ledger, table: string, where: string, ids: string): void {
  for (const row of source.prepare(`SELECT * FROM ${table} WHERE ${where}`).all(ids) as Record<string, unknown>[]) {
    const columns = Object.keys(row);
    target.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...Object.values(row));
  }
}

/** A stored event as a reader made it: '' in a dims column is "none" (see the schema). */
function eventOf([key, tsMs, status, latency, requests, fp, last4, user, team, project, model, tier, environment, tags, ...counts]: EventRow): { key: string; event: UsageEvent } {
  const optional = (name: keyof UsageEvent, value: string) => (value === '' ? {} : { [name]: value });
  const [input, output, cached] = counts as [number, number, number];
  // A class count of 0 is no count: the event reads as it was read (its natural key does not change).
  const classes = Object.fromEntries(CLASS_COUNTS.map((c, i) => [c.field, counts[3 + i]!]).filter(([, n]) => n !== 0));
  return {
    key,
    event: {
      ...classes,
      tsMs, model, inputTokens: input, outputTokens: output, cachedInputTokens: cached, requests, status: status === 'ok' ? 'ok' : 'error',
      tags: JSON.parse(tags) as Record<string, string>,
      ...(latency === null ? {} : { latencyMs: latency }),
      ...optional('apiKeyFp', fp), ...optional('apiKeyLast4', last4), ...optional('user', user), ...optional('team', team),
      ...optional('project', project), ...optional('tier', tier), ...optional('environment', environment),
    },
  };
}
