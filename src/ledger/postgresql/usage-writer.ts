import type { EventRow } from '../event-codec.js';
import { COUNTS } from '../../domain/usage-counts.js';
import { dimsColumnsOf, dimsHash52, entryPoints, isMonthEdgeDay } from '../usage-writer.js';
import { WRITE_LOCK, type PgLedger } from './engine.js';
import { ensurePartitionsAround } from './schema.js';
import { PgError } from './sync-client.js';

/**
 * A batch's gateway events on PostgreSQL, where several hosts ingest into one ledger. Each
 * chunk first claims its natural keys in usage_event_keys (ON CONFLICT DO NOTHING): a key
 * already stored, by whichever host, is a duplicate, so a row sent by two hosts counts
 * once. The daily and edge sums are made from the batch's own stored events when it
 * finishes, in SQL, so they hold exactly the rows stored.
 */

/** Events per round trip: a query costs a worker hand-off, so chunks are large. */
const ROWS_PER_CHUNK = 2000;
const MAX_REMEMBERED_DIMS = 200_000;

/**
 * Opens a batch: partitions for the months around it first, in their own transactions,
 * then the batch's transaction under the ledger's write lock (engine.ts): a host whose
 * batch overlaps another's waits for it, as on SQLite, rather than deadlocking with it.
 */
export function beginPgBatch(db: PgLedger, startedAt: Date): void {
  ensurePartitionsAround(db.client, startedAt);
  db.exec('BEGIN');
  db.prepare('SELECT pg_advisory_xact_lock(CAST(? AS BIGINT))').get(WRITE_LOCK);
}

/** `rememberedDims`: how many dims rows the writer remembers (small in tests, to make it forget). */
export function pgUsageWriter(db: PgLedger, batchId: number, rememberedDims = MAX_REMEMBERED_DIMS) {
  const dims = dimsIds(db, rememberedDims);
  const pending: EventRow[] = [];
  const claimKeys = db.prepare(`INSERT INTO usage_event_keys (natural_key) SELECT k FROM unnest(CAST(? AS text[])) AS k
    ORDER BY k ON CONFLICT DO NOTHING RETURNING natural_key`).pluck();
  const insertEvents = db.prepare(`INSERT INTO usage_events (batch_id, natural_key, key_hash, ts_ms, dim_id, status,
    ${COUNTS.map((c) => c.column).join(', ')}, latency_ms, requests)
    SELECT CAST(? AS BIGINT), * FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS bigint[]), CAST(? AS text[]),
      ${COUNTS.map(() => 'CAST(? AS bigint[])').join(', ')}, CAST(? AS double precision[]), CAST(? AS bigint[]))`);

  function flush(): number {
    if (pending.length === 0) return 0;
    // Wrapped: a lone array is the parameter list itself (engine.ts), this one is one parameter.
    const claimed = new Set(claimKeys.all([[...new Set(pending.map((r) => r.key))]]) as string[]);
    // The first copy of a key in the chunk is the one stored, as on SQLite.
    const stored = pending.filter((row) => claimed.delete(row.key));
    if (stored.length > 0) {
      const ids = dims(stored);
      const column = <T>(of: (row: EventRow) => T) => stored.map(of);
      insertEvents.run(batchId, column((r) => r.key), column((r) => r.keyHash), column((r) => r.tsMs), ids,
        column((r) => (r.ok ? 'ok' : 'error')), ...COUNTS.map((_, c) => column((r) => r.counts[c])),
        column((r) => r.latency), column((r) => r.requests));
    }
    pending.length = 0;
    return stored.length;
  }

  // A copy, its counts too: decodeEvents hands every event in the same object.
  const store = (row: EventRow): number => (pending.push({ ...row, counts: [...row.counts] }) === ROWS_PER_CHUNK ? flush() : 0);

  return {
    ...entryPoints(store, flush),
    finish(): void {
      flush();
      overflowAsSqlite(() => rollUp(db, batchId));
    },
  };
}

/**
 * A sum past BIGINT is PostgreSQL's "out of range" (22003); ingest names it for the file by
 * SQLite's words for the same thing, so both backends say one sentence.
 */
function overflowAsSqlite(fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof PgError && error.code === '22003') throw new Error('integer overflow');
    throw error;
  }
}

/**
 * The batch's days and sums, from its stored events: every day it touched (batch_days),
 * the quarter hours of the month-edge days (batch_edges), and its ok usage added to the
 * daily and quarter-hour sums. A sum past BIGINT is PostgreSQL's "out of range" error.
 */
function rollUp(db: PgLedger, batchId: number): void {
  const dayOf = 'CAST(FLOOR(ts_ms / 86400000.0) AS BIGINT)';
  const days = db.prepare(`SELECT DISTINCT ${dayOf} FROM usage_events WHERE batch_id = ?`).pluck().all(batchId) as number[];
  if (days.length === 0) return;
  db.prepare('INSERT INTO batch_days (batch_id, day) SELECT CAST(? AS BIGINT), d FROM unnest(CAST(? AS bigint[])) AS d ON CONFLICT DO NOTHING')
    .run(batchId, days);
  const edgeDays = days.filter(isMonthEdgeDay);
  const quarterOf = 'CAST(FLOOR(ts_ms / 900000.0) AS BIGINT)';
  const onEdgeDays = `${dayOf} = ANY(CAST(? AS bigint[]))`;
  const summed = ['requests', ...COUNTS.map((c) => c.column)];
  const sums = (bucket: string, where: string) => `SELECT ${bucket}, dim_id, ${summed.map((c) => `SUM(${c})`).join(', ')}
    FROM usage_events WHERE batch_id = ? AND status = 'ok' ${where} GROUP BY 1, 2 ORDER BY 1, 2`;
  const addTo = (table: string, bucketColumn: string) => `INSERT INTO ${table} (${bucketColumn}, dim_id, ${summed.join(', ')}) %s
    ON CONFLICT (${bucketColumn}, dim_id) DO UPDATE SET ${summed.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`;
  db.prepare(addTo('usage_daily', 'day').replace('%s', sums(dayOf, ''))).run(batchId);
  if (edgeDays.length === 0) return;
  db.prepare(`INSERT INTO batch_edges (batch_id, quarter) SELECT DISTINCT CAST(? AS BIGINT), ${quarterOf} FROM usage_events
    WHERE batch_id = ? AND ${onEdgeDays} ON CONFLICT DO NOTHING`).run(batchId, batchId, edgeDays);
  db.prepare(addTo('usage_edges', 'quarter').replace('%s', sums(quarterOf, `AND ${onEdgeDays}`))).run(batchId, edgeDays);
}

/**
 * The dims row id of each event, found or added a chunk at a time: one query finds the
 * chunk's unknown dims among the stored ones, one adds those still missing. Remembered by
 * dims key. Two hosts adding the same new dims at once may each add a row; usage is summed
 * by the rows' values, never by their ids, so that changes nothing.
 */
function dimsIds(db: PgLedger, remembered: number): (rows: readonly EventRow[]) => number[] {
  let known = new Map<string, number>();
  const columns = 'api_key_fp, user_name, team, project, model, tier, environment, tags';
  const arrays = Array(8).fill('CAST(? AS text[])').join(', ');
  const find = db.prepare(`SELECT d.id, v.i FROM unnest(CAST(? AS bigint[]), ${arrays}, CAST(? AS int[]))
      AS v(h, fp, u, t, p, m, r, e, g, i)
    JOIN usage_dims d ON d.key_hash = v.h AND d.api_key_fp = v.fp AND d.user_name = v.u AND d.team = v.t AND d.project = v.p
      AND d.model = v.m AND d.tier = v.r AND d.environment = v.e AND d.tags = v.g`).raw();
  const add = db.prepare(`INSERT INTO usage_dims (key_hash, api_key_last4, ${columns})
    SELECT h, l, fp, u, t, p, m, r, e, g FROM unnest(CAST(? AS bigint[]), CAST(? AS text[]), ${arrays}) WITH ORDINALITY AS v(h, l, fp, u, t, p, m, r, e, g, i)
    ORDER BY i RETURNING id, ${columns}`).raw();
  const unknownOf = (rows: readonly EventRow[]) => [...new Map(rows.filter((r) => !known.has(r.dims)).map((r) => [r.dims, r] as const)).values()];
  return (rows) => {
    let missing = unknownOf(rows);
    if (missing.length > 0) {
      // Forgetting all at once: then every dims of the chunk is looked up again, known ones too.
      if (known.size + missing.length > remembered) {
        known = new Map();
        missing = unknownOf(rows);
      }
      const values = missing.map((r) => dimsColumnsOf(r.dims));
      const hashes = values.map(dimsHash52);
      const byColumn = (i: number) => values.map((v) => v[i]!);
      const found = find.all(hashes, ...[0, 1, 2, 3, 4, 5, 6, 7].map(byColumn), missing.map((_, i) => i)) as [number, number][];
      for (const [id, i] of found) known.set(missing[i]!.dims, id);
      const still = missing.map((_, i) => i).filter((i) => !known.has(missing[i]!.dims));
      if (still.length > 0) {
        const added = add.all(still.map((i) => hashes[i]), still.map((i) => missing[i]!.last4),
          ...[0, 1, 2, 3, 4, 5, 6, 7].map((c) => still.map((i) => values[i]![c]!))) as [number, ...string[]][];
        // Matched back by value: RETURNING promises no order.
        const indexOf = new Map(still.map((i) => [JSON.stringify(values[i]), i]));
        for (const [id, ...stored] of added) known.set(missing[indexOf.get(JSON.stringify(stored))!]!.dims, id);
      }
    }
    return rows.map((r) => known.get(r.dims)!);
  };
}
