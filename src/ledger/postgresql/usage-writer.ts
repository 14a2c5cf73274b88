import type { EventRow } from '../event-codec.js';
import { COUNTS } from '../../domain/usage-counts.js';
import { dimsColumnsOf, entryPoints, INTERNED, isMonthEdgeDay, type Interned } from '../usage-writer.js';
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
const ROWS_PER_CHUNK = 5000;
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
  // One statement claims the chunk's keys and stores the events whose keys it claimed: a key
  // another host or batch holds is a duplicate, and the events' values cross the wire once.
  const counts = COUNTS.map((_, c) => `c${c}`);
  const claimAndInsert = db.prepare(`WITH v AS (SELECT * FROM unnest(CAST(? AS text[]), CAST(? AS bigint[]), CAST(? AS bigint[]),
      CAST(? AS bigint[]), CAST(? AS text[]), ${COUNTS.map(() => 'CAST(? AS bigint[])').join(', ')}, CAST(? AS double precision[]),
      CAST(? AS bigint[])) AS v(k, h, ts, dim, status, ${counts.join(', ')}, latency, requests)),
    claimed AS (INSERT INTO usage_event_keys (natural_key) SELECT k FROM v ORDER BY k ON CONFLICT DO NOTHING RETURNING natural_key)
    INSERT INTO usage_events (batch_id, natural_key, key_hash, ts_ms, dim_id, status, ${COUNTS.map((c) => c.column).join(', ')}, latency_ms, requests)
    SELECT CAST(? AS BIGINT), v.k, v.h, v.ts, v.dim, v.status, ${counts.map((c) => `v.${c}`).join(', ')}, v.latency, v.requests
    FROM v JOIN claimed ON claimed.natural_key = v.k`);

  function flush(): number {
    if (pending.length === 0) return 0;
    // The first copy of a key in the chunk is the one stored, as on SQLite.
    const seen = new Set<string>();
    const rows = pending.filter((row) => !seen.has(row.key) && seen.add(row.key));
    const ids = dims(rows);
    const column = <T>(of: (row: EventRow) => T) => rows.map(of);
    const { changes } = claimAndInsert.run(column((r) => r.key), column((r) => r.keyHash), column((r) => r.tsMs), ids,
      column((r) => (r.ok ? 'ok' : 'error')), ...COUNTS.map((_, c) => column((r) => r.counts[c])),
      column((r) => r.latency), column((r) => r.requests), batchId);
    pending.length = 0;
    return changes;
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
 * The dims row id of each event, found or added a chunk at a time: the chunk's unknown dims
 * have their identities and attribute sets interned, then their pairs (INTERNED). Remembered
 * by dims key.
 */
function dimsIds(db: PgLedger, remembered: number): (rows: readonly EventRow[]) => number[] {
  const identities = pgInterner(db, INTERNED.identity, ['text', 'text', 'text', 'text', 'text'], remembered);
  const attributes = pgInterner(db, INTERNED.attributes, ['text', 'text', 'text', 'text'], remembered);
  const pairs = pgInterner(db, INTERNED.dims, ['bigint', 'bigint'], remembered);
  let known = new Map<string, number>();
  return (rows) => {
    const missingOf = () => [...new Map(rows.filter((r) => !known.has(r.dims)).map((r) => [r.dims, r] as const)).values()];
    let missing = missingOf();
    if (missing.length > 0) {
      // Forgetting all at once: then every dims of the chunk is looked up again, known ones too.
      if (known.size + missing.length > remembered) {
        known = new Map();
        missing = missingOf();
      }
      const columns = missing.map((r) => dimsColumnsOf(r.dims));
      const identityIds = identities(columns.map((c, i) => [...c.slice(0, 4), missing[i]!.last4]));
      const attributeIds = attributes(columns.map((c) => c.slice(4)));
      const ids = pairs(missing.map((_, i) => [identityIds[i]!, attributeIds[i]!]));
      missing.forEach((r, i) => known.set(r.dims, ids[i]!));
    }
    return rows.map((r) => known.get(r.dims)!);
  };
}

/**
 * The ids of rows of an interned table, found or added in two round trips for those not
 * remembered: an insert that leaves rows already there (its unique key: another host may
 * add the same row meanwhile), and a lookup of them all. `types`: each column's SQL type,
 * keys then extra.
 */
function pgInterner(db: PgLedger, { table, keys, extra }: Interned, types: readonly string[], remembered: number) {
  const columns = [...keys, ...extra];
  const arrays = types.map((type) => `CAST(? AS ${type}[])`).join(', ');
  const v = columns.map((_, i) => `c${i}`);
  const add = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) SELECT ${v.join(', ')} FROM unnest(${arrays}) WITH ORDINALITY AS v(${v.join(', ')}, n)
    ORDER BY n ON CONFLICT DO NOTHING`);
  const find = db.prepare(`SELECT t.id, v.n FROM unnest(${types.slice(0, keys.length).map((type) => `CAST(? AS ${type}[])`).join(', ')}) WITH ORDINALITY
    AS v(${v.slice(0, keys.length).join(', ')}, n) JOIN ${table} t ON ${keys.map((k, i) => `t.${k} = v.c${i}`).join(' AND ')}`).raw();
  let known = new Map<string, number>();
  return (rows: readonly (readonly (string | number)[])[]): number[] => {
    const keyOf = (row: readonly (string | number)[]) => JSON.stringify(row.slice(0, keys.length));
    const unknownOf = () => [...new Map(rows.filter((row) => !known.has(keyOf(row))).map((row) => [keyOf(row), row] as const)).values()];
    let unknown = unknownOf();
    if (unknown.length > 0) {
      if (known.size + unknown.length > remembered) {
        known = new Map();
        unknown = unknownOf();
      }
      const column = (i: number) => unknown.map((row) => row[i]!);
      add.run(...columns.map((_, i) => column(i)));
      const found = find.all(...keys.map((_, i) => column(i))) as [number | string, number | string][];
      for (const [id, n] of found) known.set(keyOf(unknown[Number(n) - 1]!), Number(id));
    }
    return rows.map((row) => known.get(keyOf(row))!);
  };
}
