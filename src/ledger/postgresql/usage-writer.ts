import type { EventRow } from '../event-codec.js';
import { COUNTS } from '../../domain/usage-counts.js';
import { DAY_MS, dimsColumnsOf, entryPoints, INTERNED, QUARTER_MS, twoGenerationCache, type Interned } from '../usage-writer.js';
import { WRITE_LOCK, type PgLedger } from './engine.js';
import { ensurePartitionsAround } from './schema.js';
import { PgError, type CopyIn } from './sync-client.js';

/**
 * A batch's gateway events on PostgreSQL, where several hosts ingest into one ledger. Rows
 * stream through COPY into a staging table of the batch's transaction; when the batch
 * finishes, set-based statements intern its identities and attribute sets, claim its natural
 * keys in usage_event_keys (ON CONFLICT DO NOTHING: a key already stored, by whichever host,
 * is a duplicate, so a row sent by two hosts counts once) and store the events whose keys
 * they claimed. The daily and edge sums are then made from the batch's stored events, in
 * SQL, so they hold exactly the rows stored.
 */

/** Rows per COPY message: a message costs a worker hand-off, so they are large. */
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

/**
 * `rememberedDims`: how many dims keys the writer remembers by their number in the batch
 * (small in tests, to make it forget). A dims key it forgot is staged again under a new
 * number, and both numbers find the same row.
 */
export function pgUsageWriter(db: PgLedger, batchId: number, rememberedDims = MAX_REMEMBERED_DIMS) {
  let staging: CopyIn | null = null;
  let made = false;
  let seq = 0;
  let numbered = 0;
  const numbers = twoGenerationCache<number, { dims: string; n: number }>(rememberedDims);
  let text = '';
  let pending = 0;

  function flush(): number {
    if (pending === 0) return 0;
    if (!made) db.exec(STAGING_TABLE);
    made = true;
    // A query since (a counter's earlier sample, say) ended the COPY: a new one takes the rows.
    if (!staging?.open) staging = db.client.copyFrom(`COPY staged_events (${STAGED.join(', ')}) FROM STDIN`);
    staging.write(text);
    text = '';
    pending = 0;
    return 0;
  }

  function store(row: EventRow): number {
    const known = numbers.get(row.dimsHash);
    let n = known?.dims === row.dims ? known.n : undefined;
    let dims: readonly (string | null)[] = NO_DIMS;
    if (n === undefined) {
      n = ++numbered;
      numbers.set(row.dimsHash, { dims: row.dims, n });
      const columns = dimsColumnsOf(row.dims);
      dims = [...columns.slice(0, 4), row.last4, ...columns.slice(4)];
    }
    text += `${++seq}\t${copyText(row.key)}\t${row.keyHash}\t${row.tsMs}\t${n}\t${row.ok ? 'ok' : 'error'}\t${row.counts.join('\t')}\t${row.latency ?? '\\N'}\t${row.requests}\t${dims.map(copyText).join('\t')}\n`;
    return ++pending === ROWS_PER_CHUNK ? flush() : 0;
  }

  return {
    ...entryPoints(store, flush),
    /** Stores the staged rows and sums them; returns how many events were new. */
    finish(): number {
      flush();
      return made ? overflowAsSqlite(() => storeStaged(db, batchId)) : 0;
    },
  };
}

/** The staging table's columns: the event, its dims key's number in the batch, and the first time a number is used, its dims columns. */
const DIMS = ['fp', 'usr', 'team', 'project', 'last4', 'model', 'tier', 'env', 'tags'] as const;
const STAGED = ['seq', 'k', 'h', 'ts', 'dn', 'status', ...COUNTS.map((_, c) => `c${c}`), 'latency', 'requests', ...DIMS];
const NO_DIMS = DIMS.map(() => null);
const STAGING_TABLE = `CREATE TEMP TABLE staged_events (seq BIGINT, k TEXT, h BIGINT, ts BIGINT, dn BIGINT, status TEXT,
  ${COUNTS.map((_, c) => `c${c} BIGINT`).join(', ')}, latency DOUBLE PRECISION, requests BIGINT, ${DIMS.map((d) => `${d} TEXT`).join(', ')}) ON COMMIT DROP`;

const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
/** A text value in COPY's text format: null as \N; backslash, tab and line ends escaped. */
function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c]!) : value;
}

/**
 * The staged rows into the ledger, set-based: identities and attribute sets interned in the
 * order first seen (as SQLite numbers them), then their pairs; the first copy of each natural
 * key claimed, and the events whose keys were claimed stored in file order. Returns how many.
 */
function storeStaged(db: PgLedger, batchId: number): number {
  const identity = ['fp', 'usr', 'team', 'project'];
  const attributes = ['model', 'tier', 'env', 'tags'];
  const same = (table: string, columns: readonly string[], staged: readonly string[]) => staged.map((c, i) => `${table}.${columns[i]} = s.${c}`).join(' AND ');
  const intern = ({ table, keys, extra }: Interned, staged: readonly string[]) => `INSERT INTO ${table} (${[...keys, ...extra].join(', ')})
    SELECT ${staged.join(', ')} FROM (SELECT DISTINCT ON (${staged.slice(0, keys.length).join(', ')}) ${staged.join(', ')}, dn FROM staged_dims
    ORDER BY ${staged.slice(0, keys.length).join(', ')}, dn) AS first ORDER BY dn ON CONFLICT DO NOTHING`;
  const counts = COUNTS.map((_, c) => `f.c${c}`);
  // Sorting a month of keys in memory rather than on disk; for this transaction only.
  db.exec(`SET LOCAL work_mem = '256MB';
    ANALYZE staged_events;
    CREATE TEMP TABLE staged_dims ON COMMIT DROP AS SELECT dn, ${DIMS.join(', ')} FROM staged_events WHERE model IS NOT NULL;
    ${intern(INTERNED.identity, [...identity, 'last4'])};
    ${intern(INTERNED.attributes, attributes)};
    CREATE TEMP TABLE staged_pairs ON COMMIT DROP AS SELECT s.dn, i.id AS identity_id, a.id AS attributes_id FROM staged_dims s
      JOIN usage_identities i ON ${same('i', INTERNED.identity.keys, identity)} JOIN usage_attributes a ON ${same('a', INTERNED.attributes.keys, attributes)};
    INSERT INTO usage_dims (identity_id, attributes_id) SELECT identity_id, attributes_id FROM staged_pairs GROUP BY 1, 2 ORDER BY MIN(dn) ON CONFLICT DO NOTHING;
    CREATE TEMP TABLE staged_dim_ids ON COMMIT DROP AS SELECT p.dn, d.id FROM staged_pairs p JOIN usage_dims d USING (identity_id, attributes_id);
    ANALYZE staged_dim_ids`);
  // Keys are claimed in index order; a key the batch holds twice keeps its first copy (dups is
  // empty but for such keys). The rows stored feed the batch's days and sums in the same
  // statement, so they are not read back.
  const summed = ['requests', ...COUNTS.map((c) => c.column)];
  const sumsInto = (table: string, bucket: string, from: string) => `INSERT INTO ${table} (${bucket}, dim_id, ${summed.join(', ')})
    SELECT ${bucket}, dim_id, ${summed.map((c) => `SUM(${c})`).join(', ')} FROM ${from} WHERE status = 'ok' GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (${bucket}, dim_id) DO UPDATE SET ${summed.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(', ')}`;
  return Number(db.prepare(`WITH claimed AS (INSERT INTO usage_event_keys (natural_key) SELECT k FROM staged_events ORDER BY k ON CONFLICT DO NOTHING RETURNING natural_key),
    dups AS (SELECT k, MIN(seq) AS first FROM staged_events GROUP BY k HAVING COUNT(*) > 1),
    stored AS (INSERT INTO usage_events (batch_id, natural_key, key_hash, ts_ms, dim_id, status, ${COUNTS.map((c) => c.column).join(', ')}, latency_ms, requests)
      SELECT CAST(? AS BIGINT), f.k, f.h, f.ts, m.id, f.status, ${counts.join(', ')}, f.latency, f.requests
      FROM staged_events f JOIN claimed ON claimed.natural_key = f.k JOIN staged_dim_ids m ON m.dn = f.dn LEFT JOIN dups ON dups.k = f.k
      WHERE dups.k IS NULL OR dups.first = f.seq ORDER BY f.seq
      RETURNING ${floorDiv('ts_ms', DAY_MS)} AS day, ${floorDiv('ts_ms', QUARTER_MS)} AS quarter, dim_id, status, ${summed.join(', ')}),
    on_edges AS (SELECT * FROM stored WHERE ${EDGE_DAY}),
    daily AS (${sumsInto('usage_daily', 'day', 'stored')}),
    edges AS (${sumsInto('usage_edges', 'quarter', 'on_edges')}),
    days AS (INSERT INTO batch_days (batch_id, day) SELECT DISTINCT CAST(? AS BIGINT), day FROM stored ON CONFLICT DO NOTHING),
    quarters AS (INSERT INTO batch_edges (batch_id, quarter) SELECT DISTINCT CAST(? AS BIGINT), quarter FROM on_edges ON CONFLICT DO NOTHING)
    SELECT COUNT(*) FROM stored`).pluck().get(batchId, batchId, batchId));
}

/** `value` divided by `by`, rounded down also below 0, in integers (a numeric division costs seconds a month). */
const floorDiv = (value: string, by: number) => `(CASE WHEN ${value} >= 0 THEN ${value} / ${by} ELSE -((-${value} - 1) / ${by}) - 1 END)`;

/** isMonthEdgeDay in SQL: the UTC day `day` is the first or the last of its month. */
const EDGE_DAY = `(EXTRACT(DAY FROM DATE '1970-01-01' + CAST(day AS INTEGER)) = 1 OR EXTRACT(DAY FROM DATE '1970-01-01' + CAST(day + 1 AS INTEGER)) = 1)`;

/**
 * A sum past BIGINT is PostgreSQL's "out of range" (22003); ingest names it for the file by
 * SQLite's words for the same thing, so both backends say one sentence.
 */
function overflowAsSqlite<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof PgError && error.code === '22003') throw new Error('integer overflow');
    throw error;
  }
}

