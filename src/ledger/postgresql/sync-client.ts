import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import { ChargebackError } from '../../domain/errors.js';
import { connectTimeoutMs, pgUrlProblem, withoutPassword } from '../../pg-url.js';

/**
 * A synchronous PostgreSQL client: node-postgres runs in a worker thread and the caller
 * waits on a shared flag for each answer. This is where the ledger's sync/async question is
 * solved, once: the ledger interface stays synchronous (as better-sqlite3 is), so every
 * command, the domain and the SQLite path are untouched, and a PostgreSQL ledger answers
 * through the same calls. A command is one process doing one thing at a time, so blocking
 * on the database is what it would do anyway.
 */
export interface QueryOptions {
  /** Rows as arrays of their columns. */
  array?: boolean;
  /** Integer columns as bigint. */
  bigints?: boolean;
}

export interface SyncPg {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[], options?: QueryOptions): { rows: Row[]; rowCount: number };
  /** Starts a `COPY … FROM STDIN`: rows go as COPY text, and the server reads them while the caller goes on. */
  copyFrom(sql: string): CopyIn;
  close(): void;
}

/**
 * A COPY under way: `write` hands over rows in COPY's text format, `end` waits for the server
 * and returns how many it took. Any query ends it first (the connection does one thing at a
 * time), so `open` says whether it still takes rows.
 */
export interface CopyIn {
  readonly open: boolean;
  write(text: string): void;
  end(): number;
}

/**
 * A PostgreSQL error as the worker reports it: its message and SQLSTATE code. The server
 * refusing, or a connection that fails, is the user's to fix (exit 2), named with the URL
 * (its password hidden) by whoever opened it.
 */
export class PgError extends ChargebackError {
  constructor(message: string, readonly code: string | null) {
    super(message, 2);
  }
}

const QUERY_TIMEOUT_MS = 10 * 60 * 1000;

export function connectSync(url: string, name = withoutPassword(url)): SyncPg {
  const problem = pgUrlProblem(url);
  if (problem) throw new PgError(`${name}: ${problem}`, null);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./sync-worker.js', import.meta.url), { workerData: { url, flag, port: port2, connectTimeoutMs: connectTimeoutMs(url) }, transferList: [port2] });
  worker.unref();
  let open = true;
  let seq = 0;
  const ask = (message: object): Record<string, unknown> => {
    if (!open) throw new PgError(`${name}: the ledger is closed`, null);
    // Each request has its number and the worker answers by storing it in the flag: a wake-up
    // that is not this answer (the worker's notify of the last answer landing late) waits on.
    seq = seq === 0x7fffffff ? 1 : seq + 1;
    worker.postMessage({ ...message, seq });
    const deadline = Date.now() + QUERY_TIMEOUT_MS;
    for (let seen = Atomics.load(flag, 0); seen !== seq; seen = Atomics.load(flag, 0)) {
      if (Atomics.wait(flag, 0, seen, Math.max(0, deadline - Date.now())) === 'timed-out' && Atomics.load(flag, 0) !== seq) {
        throw new PgError(`${name}: PostgreSQL did not answer in ${QUERY_TIMEOUT_MS / 60_000} minutes`, null);
      }
    }
    const reply = receiveMessageOnPort(port1)?.message as Record<string, unknown> | undefined;
    if (!reply) throw new PgError(`${name}: the PostgreSQL worker gave no answer`, null);
    const error = reply.error as { message: string; code: string | null } | undefined;
    if (error) throw new PgError(`${name}: ${error.message}`, error.code);
    return reply;
  };
  let copying: { open: boolean } | null = null;
  const endCopy = (): number => {
    if (!copying?.open) return 0;
    copying.open = false;
    return ask({ copy: 'end' }).rowCount as number;
  };
  return {
    query<Row>(sql: string, params: readonly unknown[] = [], options: QueryOptions = {}) {
      endCopy();
      const reply = ask({ sql, params, ...options });
      return { rows: reply.rows as Row[], rowCount: reply.rowCount as number };
    },
    copyFrom(sql: string): CopyIn {
      endCopy();
      ask({ copy: 'start', sql });
      const state = { open: true };
      copying = state;
      return {
        get open() {
          return state.open;
        },
        write: (text) => {
          if (!state.open) throw new PgError(`${name}: the COPY has ended`, null);
          ask({ copy: 'rows', text });
        },
        end: () => (copying === state ? endCopy() : 0),
      };
    },
    close() {
      if (!open) return;
      try {
        ask({ close: true });
      } finally {
        open = false;
        port1.close();
        void worker.terminate();
      }
    },
  };
}
