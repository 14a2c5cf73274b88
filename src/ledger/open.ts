import Database from 'better-sqlite3';
import { accessSync, constants, copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { FileError, UsageError } from '../domain/errors.js';
import { sqliteLedger, type Ledger } from './engine.js';
import { describeLocation, locationOf } from './location.js';
import { pgLedger } from './postgresql/engine.js';
import { migratePg, PG_MIGRATIONS, SQLITE_VERSION_MATCHED } from './postgresql/schema.js';
import { connectSync } from './postgresql/sync-client.js';
import { MIGRATIONS } from './schema.js';

export type { Ledger } from './engine.js';

/**
 * How long a writer waits for another one (an overlapping cron ingest) before giving up.
 * An ingest holds the write lock for its whole batch, so this is generous.
 */
const BUSY_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * Opens (and with `create`, makes) the ledger and brings its schema up to date: a
 * PostgreSQL database named by a postgresql:// URL, else a SQLite file (issue 20).
 */
export function openLedger(where: string, { create }: { create: boolean }): Ledger {
  const location = locationOf(where);
  return location.kind === 'postgresql' ? openPgLedger(location.url, describeLocation(location), create) : openSqliteLedger(location.path, create);
}

/**
 * A PostgreSQL ledger: the schema is made by `init` (create) and brought up to date by
 * anyone, under an advisory lock (several hosts may start at once).
 */
function openPgLedger(url: string, name: string, create: boolean): Ledger {
  const client = connectSync(url, name);
  try {
    const made = client.query("SELECT to_regclass('chargeback_schema') IS NOT NULL AS made").rows[0]!.made === true;
    if (!create && !made) throw new UsageError(`no ledger at ${name}: run chargeback init --ledger ${name}`);
    // A ledger already up to date is only read: a role that may only SELECT (finance reading
    // the books from a replica) opens it and runs every read command (issue 31).
    const current = made && Number(client.query('SELECT version FROM chargeback_schema').rows[0]?.version) === PG_MIGRATIONS.length;
    if (!current) migratePg(client);
  } catch (error) {
    client.close();
    throw error;
  }
  const version = () => Number(client.query('SELECT version FROM chargeback_schema').rows[0]!.version);
  // Reported as the SQLite version with the same tables, so status reads alike on both.
  return pgLedger(client, name, () => SQLITE_VERSION_MATCHED + version() - PG_MIGRATIONS.length);
}

/**
 * Opens (and with `create`, makes) the ledger file and brings its schema up to date. WAL
 * lets readers work while an ingest writes; the busy timeout makes a second writer wait.
 */
function openSqliteLedger(path: string, create: boolean): Ledger {
  // Only `init` makes a ledger: a cron job run from the wrong folder must not start a second one.
  if (!create && !existsSync(path)) throw new UsageError(`no ledger at ${path}: run chargeback init or pass --ledger`);
  // SQLite says only "unable to open" of a missing folder; the user needs to hear which.
  if (!existsSync(dirname(resolve(path)))) throw new FileError(path, 'create the ledger', 'ENOENT');
  // A ledger this process may not write (a read-only file or folder) is opened for reading:
  // statements and reports still work, and a write fails as one line (read-only).
  if (!create && !isWritable(path)) return openForReading(path);
  try {
    const db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    // 16 MiB of page cache: measured, a 64 MiB cache made ingest no faster and cost 45 MB of RSS.
    db.pragma('cache_size = -16384');
    db.pragma('foreign_keys = ON');
    migrate(db);
    return sqliteLedger(db);
  } catch (error) {
    throw FileError.from(error, path, create ? 'create the ledger' : 'open the ledger');
  }
}

function isWritable(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(resolve(path)), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

function openForReading(path: string): Ledger {
  try {
    const db = new Database(readableCopy(path), { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    if (Number(db.pragma('user_version', { simple: true })) < MIGRATIONS.length) {
      db.close();
      throw new FileError(path, 'open the ledger', 'NEEDS_UPGRADE');
    }
    return sqliteLedger(db, path);
  } catch (error) {
    throw FileError.from(error, path, 'open the ledger');
  }
}

/**
 * SQLite reads a WAL ledger only where it may create the ledger's `-shm` file: in a folder
 * this process may not write, the ledger (and its WAL, if any) is read from a private copy,
 * removed when the process ends. Elsewhere the ledger itself.
 */
function readableCopy(path: string): string {
  try {
    accessSync(dirname(resolve(path)), constants.W_OK);
    return path;
  } catch {
    const folder = mkdtempSync(join(tmpdir(), 'chargeback-read-'));
    const copy = join(folder, basename(path));
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    process.once('exit', () => rmSync(folder, { recursive: true, force: true }));
    return copy;
  }
}

/**
 * Runs `read` in one read transaction, so that every query it makes sees the ledger as of
 * the first: a batch another process commits meanwhile counts whole or not at all. Temp
 * tables may be written inside; the ledger itself is not.
 */
export function inSnapshot<T>(db: Ledger, read: () => T): T {
  return db.transaction(read, 'read');
}

/** Applies the migrations this ledger lacks, under the write lock so two processes never race. */
function migrate(db: Database.Database): void {
  const current = () => Number(db.pragma('user_version', { simple: true }));
  if (current() >= MIGRATIONS.length) return;
  db.transaction(() => {
    for (let version = current(); version < MIGRATIONS.length; version++) {
      const step = MIGRATIONS[version]!;
      if (typeof step === 'string') db.exec(step);
      else step(db);
      db.pragma(`user_version = ${version + 1}`);
    }
  }).immediate();
}
