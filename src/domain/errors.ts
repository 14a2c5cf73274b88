/**
 * Every error a user can cause is a ChargebackError: the CLI prints its message as one line
 * and exits with its code (SPEC §2). Anything else is an internal error.
 */
export class ChargebackError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad usage: an unknown flag, a missing option, a malformed month. Exit 2. */
export class UsageError extends ChargebackError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** A bad input file, named with its line and field when known. Exit 2. */
export class InputError extends ChargebackError {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly field: string | null,
    readonly detail: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${field === null ? '' : `field "${field}": `}${detail}`, 2);
  }
}

/** An invalid rate card; the message lists every problem, one per line. Exit 2. */
export class RateCardError extends ChargebackError {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(problems.join('\n'), 2);
  }
}

/** The command ran but found something the user must act on (rejects, unpriced usage). Exit 1. */
export class ProblemFound extends ChargebackError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** A run whose lines do not add up to its pool costs. Exit 1. */
export class ReconciliationError extends ChargebackError {
  constructor(message: string) {
    super(message, 1);
  }
}

/** Billing records in a currency other than the rate card's: never summed silently. Exit 2. */
export class CurrencyError extends ChargebackError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** What the operating system says of a path, in words a user acts on. */
const FILE_PROBLEMS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EMFILE: 'too many open files',
  EFBIG: 'the file-size limit is reached (ulimit -f)',
  EIO: 'an input/output error',
  SQLITE_CANTOPEN: 'cannot open it (a missing folder, or no permission)',
  SQLITE_READONLY: 'the file is read-only',
  SQLITE_FULL: 'the disk is full',
  SQLITE_NOTADB: 'it is not a chargeback ledger (not an SQLite database)',
  SQLITE_CORRUPT: 'the file is damaged',
  SQLITE_IOERR: 'an input/output error',
  SQLITE_PERM: 'permission denied',
  NEEDS_UPGRADE: 'it is read-only and was made by an older chargeback: open it once where it can be written',
};

/** A file the user named cannot be read or written: the path they gave and why. Exit 2. */
export class FileError extends ChargebackError {
  constructor(
    readonly path: string,
    readonly doing: string,
    readonly code: string,
  ) {
    super(`${path}: cannot ${doing}: ${problemOf(code)}`, 2);
  }

  /** The error for a failed file system call, or the error itself when it is not one. */
  static from(error: unknown, path: string, doing: string): unknown {
    const code = (error as NodeJS.ErrnoException | null)?.code;
    return typeof code === 'string' && /^(E[A-Z]+|SQLITE_[A-Z_]+)$/.test(code) && !/^SQLITE_(CONSTRAINT|ERROR|MISUSE|RANGE)/.test(code)
      ? new FileError(path, doing, code)
      : error;
  }
}

/** SQLite's extended codes (SQLITE_IOERR_WRITE) read as their primary one. */
function problemOf(code: string): string {
  const primary = /^SQLITE_[A-Z]+/.exec(code)?.[0] ?? code;
  return FILE_PROBLEMS[code] ?? FILE_PROBLEMS[primary] ?? code;
}
