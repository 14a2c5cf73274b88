import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { UsageError } from '../domain/errors.js';
import { describeLocation, type LedgerLocation } from './location.js';
import { openLedger } from './open.js';
import { connectSync, type SyncPg } from './postgresql/sync-client.js';
import { ensureMonthPartition, migratePg, SQLITE_VERSION_MATCHED } from './postgresql/schema.js';

/**
 * `ledger copy` (issue 20): every row of one ledger into a new, empty one, SQLite and
 * PostgreSQL either way, then a verify step that reads both back in key order and compares
 * every row as text. A team starts on SQLite and moves up without losing a row or a cent.
 */

/** The tables in the order their rows may be inserted, each with the key it is read in. */
const TABLES: readonly { name: string; key: readonly string[] }[] = [
  { name: 'batches', key: ['id'] },
  { name: 'usage_identities', key: ['id'] },
  { name: 'usage_attributes', key: ['id'] },
  { name: 'usage_dims', key: ['id'] },
  { name: 'usage_events', key: ['id'] },
  { name: 'usage_daily', key: ['day', 'dim_id'] },
  { name: 'usage_edges', key: ['quarter', 'dim_id'] },
  { name: 'batch_days', key: ['day', 'batch_id'] },
  { name: 'batch_edges', key: ['quarter', 'batch_id'] },
  { name: 'runs', key: ['id'] },
  { name: 'closed_months', key: ['month'] },
  { name: 'run_lines', key: ['run_id', 'seq'] },
  { name: 'billing_records', key: ['id'] },
  { name: 'gpu_samples', key: ['host', 'gpu', 'ts_ms'] },
  { name: 'pulls', key: ['source'] },
  { name: 'counter_samples', key: ['series', 'ts_ms'] },
  { name: 'exports', key: ['id'] },
  { name: 'budget_alerts', key: ['id'] },
];

const PAGE = 2000;

type Row = unknown[];
interface Column { name: string; type: string }

/** One side of a copy: what it holds and how to read and write it, whatever the engine. */
interface Side {
  columns(table: string): Column[];
  count(table: string): number;
  /** The table's rows in key order, a page at a time. */
  pages(table: string, columns: readonly Column[], key: readonly string[]): Iterable<Row[]>;
  insert(table: string, columns: readonly Column[], rows: readonly Row[]): void;
  /** Makes what the inserts need (PostgreSQL: the months' partitions), and afterwards resets id sequences. */
  before(table: string, source: Side): void;
  after(table: string): void;
  months(): number[];
  close(): void;
}

function sqliteSide(db: Database.Database): Side {
  return {
    columns: (table) => (db.pragma(`table_info(${table})`) as { name: string; type: string }[]).map((c) => ({ name: c.name, type: c.type.toUpperCase() })),
    count: (table) => Number(db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get()),
    *pages(table, columns, key) {
      const list = columns.map((c) => c.name).join(', ');
      const first = db.prepare(`SELECT ${list} FROM ${table} ORDER BY ${key.join(', ')} LIMIT ${PAGE}`).raw().safeIntegers(true);
      const next = db.prepare(`SELECT ${list} FROM ${table} WHERE (${key.join(', ')}) > (${key.map(() => '?').join(', ')}) ORDER BY ${key.join(', ')} LIMIT ${PAGE}`).raw().safeIntegers(true);
      let page = first.all() as Row[];
      while (page.length > 0) {
        yield page;
        const last = page[page.length - 1]!;
        page = next.all(...key.map((k) => last[columns.findIndex((c) => c.name === k)])) as Row[];
      }
    },
    insert(table, columns, rows) {
      const statement = db.prepare(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      db.transaction(() => {
        for (const row of rows) statement.run(...row.map(toSqlite));
      })();
    },
    before: () => {},
    after: () => {},
    months: () => (db.prepare('SELECT DISTINCT ts_ms / 86400000 FROM usage_events').pluck().all() as number[]).map((day) => day * 86_400_000),
    close: () => db.close(),
  };
}

function toSqlite(value: unknown): unknown {
  return value === undefined ? null : value;
}

const PG_TYPES: Record<string, string> = { 'bigint': 'INTEGER', 'integer': 'INTEGER', 'double precision': 'REAL', 'numeric': 'NUMERIC', 'text': 'TEXT' };

function pgSide(db: SyncPg): Side {
  // Text keys in byte order, as SQLite orders them, so both sides read rows in the same order.
  const keyed = (db0: readonly string[], columns: readonly Column[]) => db0.map((k) => (columns.find((c) => c.name === k)?.type === 'TEXT' ? `${k} COLLATE "C"` : k));
  return {
    columns: (table) => db.query<{ column_name: string; data_type: string }>(
      `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, [table],
    ).rows.map((c) => ({ name: c.column_name, type: PG_TYPES[c.data_type] ?? 'TEXT' })),
    count: (table) => Number(db.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${table}`).rows[0]!.n),
    *pages(table, columns, key) {
      const list = columns.map((c) => c.name).join(', ');
      const order = keyed(key, columns).join(', ');
      // Integers as bigint: a sum may pass 2^53, and a copy keeps every digit.
      let page = db.query<Record<string, unknown>>(`SELECT ${list} FROM ${table} ORDER BY ${order} LIMIT ${PAGE}`, [], { bigints: true }).rows;
      while (page.length > 0) {
        yield page.map((r) => columns.map((c) => r[c.name]));
        const last = page[page.length - 1]!;
        page = db.query<Record<string, unknown>>(`SELECT ${list} FROM ${table} WHERE (${keyed(key, columns).join(', ')}) > (${key.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY ${order} LIMIT ${PAGE}`,
          key.map((k) => last[k]), { bigints: true }).rows;
      }
    },
    insert(table, columns, rows) {
      const perStatement = Math.max(1, Math.floor(30_000 / columns.length));
      for (let at = 0; at < rows.length; at += perStatement) {
        const chunk = rows.slice(at, at + perStatement);
        const values = chunk.map((_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        db.query(`INSERT INTO ${table} (${columns.map((c) => c.name).join(', ')}) VALUES ${values}`, chunk.flat().map((v) => (typeof v === 'bigint' ? v.toString() : v)));
      }
    },
    before(table, source) {
      if (table === 'usage_events') for (const month of source.months()) ensureMonthPartition(db, month);
    },
    after(table) {
      if (table === 'usage_events') {
        db.query('INSERT INTO usage_event_keys (natural_key) SELECT natural_key FROM usage_events');
        db.query("SELECT setval('usage_events_id_seq', COALESCE((SELECT MAX(id) FROM usage_events), 0) + 1, false)");
      }
      if (['batches', 'usage_identities', 'usage_attributes', 'usage_dims', 'runs', 'billing_records', 'exports', 'budget_alerts'].includes(table)) {
        db.query(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), COALESCE((SELECT MAX(id) FROM ${table}), 0) + 1, false)`);
      }
    },
    months: () => db.query<{ day: string }>('SELECT DISTINCT ts_ms / 86400000 AS day FROM usage_events').rows.map((r) => Number(r.day) * 86_400_000),
    close: () => db.close(),
  };
}

/** Opens the source, which must exist (a SQLite source is brought up to date first). */
function openSource(location: LedgerLocation): Side {
  if (location.kind === 'postgresql') {
    const db = connectSync(location.url, describeLocation(location));
    migratePg(db);
    return pgSide(db);
  }
  openLedger(location.path, { create: false }).close();
  return sqliteSide(new Database(location.path, { readonly: true }));
}

/** Opens the destination, which must be new or empty: a copy never merges into a ledger in use. */
function openTarget(location: LedgerLocation): Side {
  if (location.kind === 'postgresql') {
    const db = connectSync(location.url, describeLocation(location));
    migratePg(db);
    const side = pgSide(db);
    if (TABLES.some((t) => side.count(t.name) > 0)) {
      side.close();
      throw new UsageError(`${describeLocation(location)} already holds a ledger: copy into an empty database`);
    }
    return side;
  }
  if (existsSync(location.path)) throw new UsageError(`${location.path} already exists: copy into a new file`);
  openLedger(location.path, { create: true }).close();
  return sqliteSide(new Database(location.path));
}

export interface TableCopy {
  table: string;
  rows: number;
}

/** Copies every table, then verifies; returns the row counts. Throws on the first difference. */
export function copyLedger(from: LedgerLocation, to: LedgerLocation): TableCopy[] {
  const source = openSource(from);
  let target: Side;
  try {
    target = openTarget(to);
  } catch (error) {
    source.close();
    throw error;
  }
  try {
    checkVersions(source, target);
    const copied = TABLES.map(({ name, key }) => {
      const columns = target.columns(name);
      target.before(name, source);
      let rows = 0;
      for (const page of source.pages(name, columns, key)) {
        target.insert(name, columns, page);
        rows += page.length;
      }
      target.after(name);
      return { table: name, rows };
    });
    verify(source, target);
    return copied;
  } finally {
    source.close();
    target.close();
  }
}

/** Both sides must hold the same columns: a ledger from a newer chargeback is not copied by an older one. */
function checkVersions(source: Side, target: Side): void {
  for (const { name } of TABLES) {
    const a = source.columns(name).map((c) => c.name).sort().join(',');
    const b = target.columns(name).map((c) => c.name).sort().join(',');
    if (a !== b) throw new UsageError(`table ${name} differs between the two ledgers (${a} against ${b}): copy with the chargeback that wrote the source (ledger version ${SQLITE_VERSION_MATCHED})`);
  }
}

const asText = (value: unknown) => (value === null || value === undefined ? null : String(value));

/** Reads both ledgers back in key order and compares every row as text: counts and content. */
function verify(source: Side, target: Side): void {
  for (const { name, key } of TABLES) {
    const columns = target.columns(name);
    const [a, b] = [source.count(name), target.count(name)];
    if (a !== b) throw new Error(`verify: table ${name} has ${a} rows in the source and ${b} in the copy`);
    const left = rowsOf(source.pages(name, columns, key));
    const right = rowsOf(target.pages(name, columns, key));
    let index = 0;
    for (const row of left) {
      const other = right.next().value as Row;
      const [x, y] = [JSON.stringify(row.map(asText)), JSON.stringify(other.map(asText))];
      if (x !== y) throw new Error(`verify: table ${name}, row ${index + 1} in key order differs: ${x} against ${y}`);
      index++;
    }
  }
}

function* rowsOf(pages: Iterable<Row[]>): Generator<Row> {
  for (const page of pages) yield* page;
}
