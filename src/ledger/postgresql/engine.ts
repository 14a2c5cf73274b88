import type { Ledger, Statement, TransactionMode } from '../engine.js';
import type { QueryOptions, SyncPg } from './sync-client.js';

/**
 * A PostgreSQL ledger answering the ledger interface (engine.ts) through the synchronous
 * client. Statements are the same SQL with `?` placeholders, numbered here; a nested
 * transaction is a savepoint, as in better-sqlite3.
 */
export interface PgLedger extends Ledger {
  readonly dialect: 'postgresql';
  readonly client: SyncPg;
}

/**
 * The ledger's write lock, as SQLite has one: a batch holds it until it commits, and so
 * does a 'write' transaction (a run, a close); reads never take it. Batches of several
 * hosts take turns: two batches claiming overlapping keys side by side would each wait for
 * a key the other holds, and PostgreSQL would abort one as a deadlock (measured: four
 * hosts with overlapping files deadlocked at once). A month closed while another host
 * ingests is closed for all of that batch's rows: the batch reads the closed months after
 * it has the lock.
 */
export const WRITE_LOCK = 2026_20_02;

export function pgLedger(client: SyncPg, name: string, schemaVersion: () => number): PgLedger {
  let depth = 0;
  const query = (sql: string, params: readonly unknown[], options?: QueryOptions) => client.query(numbered(sql), flat(params), options);
  const prepare = (sql: string, shape: { pluck: boolean; raw: boolean; bigints: boolean }): Statement => {
    const rowsOf = (params: unknown[]) => {
      const { rows } = query(sql, params, { array: shape.pluck || shape.raw, bigints: shape.bigints });
      return shape.pluck ? (rows as unknown as unknown[][]).map((r) => r[0]) : rows;
    };
    return {
      all: (...params) => rowsOf(params),
      get: (...params) => rowsOf(params)[0],
      run: (...params) => ({ changes: query(sql, params).rowCount }),
      iterate: (...params) => rowsOf(params)[Symbol.iterator](),
      pluck: () => prepare(sql, { ...shape, pluck: true }),
      raw: () => prepare(sql, { ...shape, raw: true }),
      safeIntegers: (on = true) => prepare(sql, { ...shape, bigints: on }),
    };
  };
  const ledger: PgLedger = {
    dialect: 'postgresql',
    client,
    name,
    get inTransaction() {
      return depth > 0 || inBlock;
    },
    prepare: (sql) => prepare(sql, { pluck: false, raw: false, bigints: false }),
    exec(sql) {
      // A batch opens and ends its transaction by hand (its rows arrive over many calls).
      if (/^\s*BEGIN\b/i.test(sql)) inBlock = true;
      if (/^\s*(COMMIT|ROLLBACK)\b/i.test(sql)) inBlock = false;
      client.query(sql);
    },
    transaction<T>(fn: () => T, mode: TransactionMode): T {
      if (depth > 0 || inBlock) return inSavepoint(fn);
      // The lock is taken before the snapshot: a run sees every batch that committed before it.
      if (mode === 'write') client.query('SELECT pg_advisory_lock($1)', [WRITE_LOCK]);
      try {
        client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
        depth++;
        try {
          const result = fn();
          client.query('COMMIT');
          return result;
        } catch (error) {
          client.query('ROLLBACK');
          throw error;
        } finally {
          depth--;
        }
      } finally {
        if (mode === 'write') client.query('SELECT pg_advisory_unlock($1)', [WRITE_LOCK]);
      }
    },
    schemaVersion,
    close: () => client.close(),
  };
  let inBlock = false;
  function inSavepoint<T>(fn: () => T): T {
    const name = `nested_${++depth}`;
    client.query(`SAVEPOINT ${name}`);
    try {
      const result = fn();
      client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      throw error;
    } finally {
      depth--;
    }
  }
  return ledger;
}

/**
 * better-sqlite3 takes a statement's parameters spread or as one array; so does this. An
 * array that is itself the only parameter (a PostgreSQL array) is passed wrapped: `[[…]]`.
 */
function flat(params: readonly unknown[]): unknown[] {
  return params.length === 1 && Array.isArray(params[0]) ? (params[0] as unknown[]) : [...params];
}

/** `?` placeholders as PostgreSQL's `$1, $2, …`, leaving quoted text and identifiers alone. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (token) => (token === '?' ? `$${++n}` : token));
}

/** The PostgreSQL ledger behind the interface, for the writer only PostgreSQL has. */
export function asPg(ledger: Ledger): PgLedger {
  if (ledger.dialect !== 'postgresql') throw new TypeError(`${ledger.name} is not a PostgreSQL ledger`);
  return ledger as PgLedger;
}
