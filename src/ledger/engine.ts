import type Database from 'better-sqlite3';

/**
 * The one interface every ledger function talks to (issue 20), whichever database holds the
 * ledger. It is the part of better-sqlite3's statement API the ledger uses, so SQLite is
 * itself and PostgreSQL answers the same calls (postgresql/engine.ts). It is synchronous: a
 * command does one thing at a time, and PostgreSQL's asynchronous driver is made to wait in
 * one place (postgresql/sync-client.ts), so no caller knows which backend it has.
 *
 * SQL written here must mean the same on both: `?` placeholders, ON CONFLICT rather than OR
 * IGNORE, quoted camelCase aliases, a name on every subquery, CAST(SUM(…) AS BIGINT) for
 * sums read as integers; where the dialects differ, dialect.ts holds each one's words.
 */
export interface Statement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
  iterate(...params: unknown[]): IterableIterator<unknown>;
  /** Rows become their first column. */
  pluck(): Statement;
  /** Rows become arrays of their columns. */
  raw(): Statement;
  /** Integer columns come as bigint: sums that may pass 2^53. */
  safeIntegers(on?: boolean): Statement;
}

export type Dialect = 'sqlite' | 'postgresql';

/**
 * 'write' holds the ledger's write lock for the whole transaction (one writer at a time, as
 * BEGIN IMMEDIATE); 'read' makes every query inside see the ledger as of the first one.
 */
export type TransactionMode = 'write' | 'read';

export interface Ledger {
  readonly dialect: Dialect;
  /** The file, or the URL without its password: what messages name. */
  readonly name: string;
  readonly inTransaction: boolean;
  prepare(sql: string): Statement;
  /** Statements without parameters, one or several. */
  exec(sql: string): void;
  transaction<T>(fn: () => T, mode: TransactionMode): T;
  schemaVersion(): number;
  close(): void;
}

/** A SQLite ledger keeps its connection for the few places only SQLite has (ATTACH, the bulk writer). */
export interface SqliteLedger extends Ledger {
  readonly dialect: 'sqlite';
  readonly db: Database.Database;
}

/** `name` is the ledger's own path where SQLite reads a private copy of it (open.ts). */
export function sqliteLedger(db: Database.Database, name = db.name): SqliteLedger {
  return {
    dialect: 'sqlite',
    db,
    name,
    get inTransaction() {
      return db.inTransaction;
    },
    prepare: (sql) => db.prepare(sql) as unknown as Statement,
    exec: (sql) => void db.exec(sql),
    transaction: (fn, mode) => (mode === 'write' ? db.transaction(fn).immediate() : db.transaction(fn).deferred()),
    schemaVersion: () => Number(db.pragma('user_version', { simple: true })),
    close: () => void db.close(),
  };
}

export function isSqlite(ledger: Ledger): ledger is SqliteLedger {
  return ledger.dialect === 'sqlite';
}
