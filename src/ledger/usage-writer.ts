import type { UsageEvent } from '../domain/types.js';
import type Database from 'better-sqlite3';
import { decodeEvents, hash52, type EncodedEvents, type EventRow } from './event-codec.js';
import { dimKey } from '../keys.js';
import { CLASS_COUNTS, COUNTS, countsOf } from '../domain/usage-counts.js';

export const DAY_MS = 86_400_000;
export const QUARTER_MS = 900_000;

/** An event with the natural key that makes re-ingest idempotent (SPEC §3). */
export interface KeyedEvent {
  key: string;
  event: UsageEvent;
}

/** Events per INSERT statement: one call into SQLite per row cost more than the insert itself. */
const ROWS_PER_INSERT = 32;
/** The summed columns of the daily and edge sums: requests, then every count (COUNTS order). */
const SUMMED = ['requests', ...COUNTS.map((c) => c.column)];
/** An event's parameters: batch, key, time, dims, status, its counts, latency, requests, key hash (last: a collision nulls it). */
const EVENT_COLUMNS = 5 + COUNTS.length + 3;
const FIRST_COUNT = 5;
/** Rolled-up sums held in memory before they are upserted, at most this many at a time. */
const MAX_PENDING_SUMS = 100_000;
/** Dims keys remembered per batch: a realistic log has one new combination every few rows. */
const MAX_REMEMBERED_DIMS = 200_000;

/**
 * Sums per (bucket, dims) held in memory and upserted into `table` in bulk, sorted, so that
 * SQLite walks its b-tree in order. Nested maps keyed by small integers are cheaper than one
 * map keyed by strings.
 */
function bucketSums(db: Database.Database, table: 'usage_daily' | 'usage_edges', bucketColumn: 'day' | 'quarter') {
  // SQLite turns an integer sum past 2^63 into a float without a word: checkedSum makes it the
  // "integer overflow" error instead (abs() of the least integer raises it), which ingest reports.
  const checkedSum = (column: string) =>
    `${column} = CASE WHEN excluded.${column} > 9223372036854775807 - ${column} THEN abs(-9223372036854775807 - 1) ELSE ${column} + excluded.${column} END`;
  // Two shapes of the same upsert: all the sums, and (for sums whose token classes are all 0,
  // most logs' every row) requests, input, output and cache reads only, which binds and adds
  // less: measured, the classes' columns cost a fifth of ingest when always written.
  const shapes = [SUMMED, SUMMED.slice(0, SUMMED.length - CLASS_COUNTS.length)].map((columns) => {
    const width = 2 + columns.length;
    const upsert = (rows: number) => db.prepare(`INSERT INTO ${table} (${bucketColumn}, dim_id, ${columns.join(', ')})
      VALUES ${Array(rows).fill(`(${Array(width).fill('?').join(', ')})`).join(', ')}
      ON CONFLICT (${bucketColumn}, dim_id) DO UPDATE SET ${columns.map(checkedSum).join(', ')}`);
    return { width, many: upsert(ROWS_PER_INSERT), one: upsert(1), params: [] as number[] };
  });
  const buckets = new Map<number, Map<number, number[]>>();
  let size = 0;
  const flush = () => {
    const [wide, narrow] = shapes as [(typeof shapes)[number], (typeof shapes)[number]];
    for (const bucket of [...buckets.keys()].sort((a, b) => a - b)) {
      const byDim = buckets.get(bucket)!;
      for (const dimId of [...byDim.keys()].sort((a, b) => a - b)) {
        const s = byDim.get(dimId)!;
        const shape = s.some((v, i) => i >= narrow.width - 2 && v !== 0) ? wide : narrow;
        shape.params.push(bucket, dimId, ...(shape === wide ? s : s.slice(0, narrow.width - 2)));
        if (shape.params.length === ROWS_PER_INSERT * shape.width) {
          shape.many.run(shape.params);
          shape.params.length = 0;
        }
      }
    }
    for (const shape of shapes) {
      for (let i = 0; i < shape.params.length; i += shape.width) shape.one.run(shape.params.slice(i, i + shape.width));
      shape.params.length = 0;
    }
    buckets.clear();
    size = 0;
  };
  return {
    /** Adds a stored ok event's requests and counts (`values`, SUMMED order) to its bucket's sums. */
    add(bucket: number, dimId: number, values: readonly number[]): void {
      let byDim = buckets.get(bucket);
      if (!byDim) buckets.set(bucket, (byDim = new Map()));
      let s = byDim.get(dimId);
      // Sums held here are doubles: write them out before one would pass 2^53 (rows are below it).
      if (s && values.some((v, i) => s![i]! + v > Number.MAX_SAFE_INTEGER)) {
        flush();
        return this.add(bucket, dimId, values);
      }
      if (!s) {
        if (size >= MAX_PENDING_SUMS) {
          flush();
          return this.add(bucket, dimId, values);
        }
        byDim.set(dimId, (s = SUMMED.map(() => 0)));
        size++;
      }
      for (let i = 0; i < values.length; i++) s[i]! += values[i]!;
    },
    flush,
  };
}

/** Whether a UTC day (days since 1970) is the first or the last of its month. */
export function isMonthEdgeDay(day: number): boolean {
  return new Date(day * DAY_MS).getUTCDate() === 1 || new Date((day + 1) * DAY_MS).getUTCDate() === 1;
}

/** isMonthEdgeDay, remembered: it is asked once per row. */
function edgeDays(): (day: number) => boolean {
  const known = new Map<number, boolean>();
  return (day) => {
    let edge = known.get(day);
    if (edge === undefined) known.set(day, (edge = isMonthEdgeDay(day)));
    return edge;
  };
}

/**
 * Remembers up to `max` entries in two generations: when the newer fills up it becomes the
 * older, and an entry found in the older moves back, so entries in steady use stay.
 */
export function twoGenerationCache<K, V>(max: number) {
  let newer = new Map<K, V>();
  let older = new Map<K, V>();
  return {
    get(key: K): V | undefined {
      const found = newer.get(key);
      if (found !== undefined) return found;
      const old = older.get(key);
      if (old !== undefined) this.set(key, old);
      return old;
    },
    set(key: K, value: V): void {
      if (newer.size >= max / 2) {
        older = newer;
        newer = new Map();
      }
      newer.set(key, value);
    },
  };
}

/** The tables a dims row is interned into (schema version 15): its identity, its attribute set, and the pair. */
export const INTERNED = {
  identity: { table: 'usage_identities', keys: ['api_key_fp', 'user_name', 'team', 'project'], extra: ['api_key_last4'] },
  attributes: { table: 'usage_attributes', keys: ['model', 'tier', 'environment', 'tags'], extra: [] },
  dims: { table: 'usage_dims', keys: ['identity_id', 'attributes_id'], extra: [] },
} as const;
/** Joins, after a dims row `d`, its identity `i` and its attribute set `a`. */
export const DIMS_VALUES = 'JOIN usage_identities i ON i.id = d.identity_id JOIN usage_attributes a ON a.id = d.attributes_id';

export type Interned = (typeof INTERNED)[keyof typeof INTERNED];

/**
 * Finds or adds the row of `keys` (and, when added, `extra`) in an interned table, through
 * its unique index; ids are remembered by key, up to `max` of them.
 */
function interner(db: Database.Database, { table, keys, extra }: Interned, max: number) {
  const find = db.prepare(`SELECT id FROM ${table} WHERE ${keys.map((k) => `${k} = ?`).join(' AND ')}`).pluck();
  const add = db.prepare(`INSERT INTO ${table} (${[...keys, ...extra].join(', ')}) VALUES (${[...keys, ...extra].map(() => '?').join(', ')})`);
  const known = twoGenerationCache<string, number>(max);
  return (values: readonly (string | number)[], extraValues: readonly (string | number)[] = []): number => {
    // JSON, not a separator: a value may hold any character.
    const key = JSON.stringify(values);
    let id = known.get(key);
    if (id === undefined) {
      id = (find.get(...values) as number | undefined) ?? Number(add.run(...values, ...extraValues).lastInsertRowid);
      known.set(key, id);
    }
    return id;
  };
}

/**
 * Finds or adds the dims row of a dims key: its identity and attribute set interned, then the
 * pair. Rows are remembered by the key's hash (numbers hash far faster than long strings),
 * with the key kept to rule out a collision.
 */
function dimsFinder(db: Database.Database) {
  const identityOf = interner(db, INTERNED.identity, MAX_REMEMBERED_DIMS);
  const attributesOf = interner(db, INTERNED.attributes, MAX_REMEMBERED_DIMS);
  const pairOf = interner(db, INTERNED.dims, 2);
  const known = twoGenerationCache<number, { dims: string; id: number }>(MAX_REMEMBERED_DIMS);
  return (dims: string, dimsHash: number, last4: string): number => {
    const seen = known.get(dimsHash);
    if (seen !== undefined && seen.dims === dims) return seen.id;
    const columns = dimsColumnsOf(dims);
    const id = pairOf([identityOf(columns.slice(0, 4), [last4]), attributesOf(columns.slice(4))]);
    // A fresh copy: `dims` is a slice of its chunk's text, and would keep all of it alive.
    known.set(dimsHash, { dims: JSON.stringify(JSON.parse(dims)), id });
    return id;
  };
}

/**
 * Writes a batch's events inside its transaction: each event points at its dims row, and
 * each newly stored ok event is added to its day's sums (and, on the first and last day of
 * a month, to its quarter hour's), so that duplicates never count. Events go in
 * ROWS_PER_INSERT at a time; when a statement stores fewer than it was given, the new ones
 * are read back by rowid (rowids only grow), so the sums still see exactly the new rows.
 *
 * Natural keys are unique through the hash of the key (`keyHash`, hash52 but in tests): a
 * small integer index where the text index cost a third of ingest. A row the statement
 * ignores is a duplicate only if its key is stored; a key whose hash another key holds is
 * stored again without a hash, where a partial index finds it. Exact either way.
 */
export function usageWriter(db: Database.Database, batchId: number, keyHash: (key: string) => number = hash52) {
  const insertStatement = (rows: number) => db.prepare(`INSERT OR IGNORE INTO usage_events (batch_id, natural_key, ts_ms,
    dim_id, status, ${COUNTS.map((c) => c.column).join(', ')}, latency_ms, requests, key_hash) VALUES
    ${Array(rows).fill(`(${Array(EVENT_COLUMNS).fill('?').join(', ')})`).join(', ')}`);
  const storedWithHash = db.prepare('SELECT 1 FROM usage_events WHERE key_hash = ? AND natural_key = ?').pluck();
  const storedWithoutHash = db.prepare('SELECT 1 FROM usage_events WHERE key_hash IS NULL AND natural_key = ?').pluck();
  const isStored = (hashOfKey: unknown, key: unknown) => storedWithHash.get(hashOfKey, key) !== undefined || storedWithoutHash.get(key) !== undefined;
  const insertMany = insertStatement(ROWS_PER_INSERT);
  const insertOne = insertStatement(1);
  // A chunk without token classes (most logs' every chunk) leaves their columns to their
  // default 0: fewer values to bind, as the sums do (bucketSums).
  const kept = COUNTS.length - CLASS_COUNTS.length;
  const narrowColumns = EVENT_COLUMNS - CLASS_COUNTS.length;
  const insertNarrow = db.prepare(`INSERT OR IGNORE INTO usage_events (batch_id, natural_key, ts_ms,
    dim_id, status, ${COUNTS.slice(0, kept).map((c) => c.column).join(', ')}, latency_ms, requests, key_hash) VALUES
    ${Array(ROWS_PER_INSERT).fill(`(${Array(narrowColumns).fill('?').join(', ')})`).join(', ')}`);
  const narrowed: unknown[] = [];
  let classes = false;
  const lastId = db.prepare('SELECT COALESCE(MAX(id), 0) FROM usage_events').pluck();
  const keysAfter = db.prepare('SELECT natural_key FROM usage_events WHERE id > ?').pluck();
  const addDay = db.prepare('INSERT OR IGNORE INTO batch_days (batch_id, day) VALUES (?, ?)');
  const addQuarter = db.prepare('INSERT OR IGNORE INTO batch_edges (batch_id, quarter) VALUES (?, ?)');

  const dimOf = dimsFinder(db);
  const daily = bucketSums(db, 'usage_daily', 'day');
  const edges = bucketSums(db, 'usage_edges', 'quarter');
  const isEdgeDay = edgeDays();
  const days = new Set<number>();
  const quarters = new Set<number>();
  const params: unknown[] = [];
  let pending = 0;
  let maxId = lastId.get() as number;

  /** Adds a stored event (its parameters at `at`) to the day and edge sums. */
  function count(at: number): void {
    const tsMs = params[at + 2] as number;
    const day = Math.floor(tsMs / DAY_MS);
    days.add(day);
    const quarter = isEdgeDay(day) ? Math.floor(tsMs / QUARTER_MS) : -1;
    if (quarter >= 0) quarters.add(quarter);
    if (params[at + 4] !== 'ok') return;
    const dimId = params[at + 3] as number;
    const values = [params[at + FIRST_COUNT + COUNTS.length + 1], ...params.slice(at + FIRST_COUNT, at + FIRST_COUNT + COUNTS.length)] as number[];
    daily.add(day, dimId, values);
    if (quarter >= 0) edges.add(quarter, dimId, values);
  }

  /** Stores the pending events; returns how many were new. */
  function flush(): number {
    if (pending === 0) return 0;
    let stored = 0;
    if (pending === ROWS_PER_INSERT && !classes) {
      narrowed.length = 0;
      for (let at = 0; at < params.length; at += EVENT_COLUMNS) {
        for (let i = 0; i < EVENT_COLUMNS; i++) if (i < FIRST_COUNT + kept || i >= FIRST_COUNT + COUNTS.length) narrowed.push(params[at + i]);
      }
      stored = insertNarrow.run(narrowed).changes;
    } else if (pending === ROWS_PER_INSERT) stored = insertMany.run(params).changes;
    else for (let at = 0; at < params.length; at += EVENT_COLUMNS) stored += insertOne.run(params.slice(at, at + EVENT_COLUMNS)).changes;
    if (stored === pending) {
      for (let at = 0; at < params.length; at += EVENT_COLUMNS) count(at);
    } else {
      // The first copy of a key is the one stored (OR IGNORE): count it, and no later copy.
      const added = new Set(stored > 0 ? (keysAfter.all(maxId) as string[]) : []);
      for (let at = 0; at < params.length; at += EVENT_COLUMNS) {
        if (added.delete(params[at + 1] as string)) count(at);
        else if (!isStored(params[at + EVENT_COLUMNS - 1], params[at + 1])) {
          insertOne.run([...params.slice(at, at + EVENT_COLUMNS - 1), null]);
          stored++;
          count(at);
        }
      }
    }
    if (stored > 0) maxId = lastId.get() as number;
    params.length = 0;
    pending = 0;
    classes = false;
    return stored;
  }

  /** Queues one event; returns how many events its queue stored (0 until the queue is full). */
  function store(row: EventRow): number {
    params.push(batchId, row.key, row.tsMs, dimOf(row.dims, row.dimsHash, row.last4), row.ok ? 'ok' : 'error', ...row.counts,
      row.latency, row.requests, row.keyHash);
    if (!classes) for (let c = kept; c < COUNTS.length; c++) if (row.counts[c] !== 0) classes = true;
    return ++pending === ROWS_PER_INSERT ? flush() : 0;
  }

  return {
    ...entryPoints(store, flush, keyHash),
    /** Writes what is still held in memory; call before the batch commits. Every event was counted as it was inserted: none is left to count. */
    finish(): number {
      flush();
      daily.flush();
      edges.flush();
      for (const day of days) addDay.run(batchId, day);
      for (const quarter of quarters) addQuarter.run(batchId, quarter);
      days.clear();
      quarters.clear();
      return 0;
    },
  };
}

/**
 * A batch writer's two ways in, given how it queues one row and writes the queue (both
 * backends): events as objects, and events parsed on another thread (event-codec.ts).
 * Each returns how many of them were new.
 */
export function entryPoints(store: (row: EventRow) => number, flush: () => number, keyHash: (key: string) => number = hash52) {
  return {
    insert(events: readonly KeyedEvent[]): number {
      let inserted = 0;
      for (const event of events) inserted += store(eventRowOf(event, keyHash));
      return inserted + flush();
    },
    insertEncoded(events: EncodedEvents): number {
      let inserted = 0;
      decodeEvents(events, (row) => (inserted += store(row)));
      return inserted + flush();
    },
  };
}

/** An event as the batch writers store it (what decodeEvents gives for events parsed elsewhere). */
export function eventRowOf({ key, event: e }: KeyedEvent, keyHash: (key: string) => number = hash52): EventRow {
  const dims = dimKey(e);
  return { key, keyHash: keyHash(key), dims, dimsHash: hash52(dims), last4: e.apiKeyLast4 ?? '', tsMs: e.tsMs, ok: e.status === 'ok',
    counts: countsOf(e), requests: e.requests ?? 1, latency: e.latencyMs ?? null };
}

/**
 * A dims key (dimKey) as the dims table's columns, tags as their canonical JSON:
 * api_key_fp, user_name, team, project, model, tier, environment, tags.
 */
export function dimsColumnsOf(dims: string): string[] {
  const parsed = JSON.parse(dims) as [...string[], Record<string, string>];
  return [...(parsed.slice(0, 7) as string[]), JSON.stringify(parsed[7])];
}

/**
 * The hash the dims table is indexed by: hash52 of its eight columns as a JSON array. Rows
 * with equal hashes are told apart by their columns, so a collision costs a lookup, never a row.
 */
export function dimsHash52(columns: readonly unknown[]): number {
  return hash52(JSON.stringify(columns));
}
