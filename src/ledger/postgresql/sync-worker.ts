/*
 * The worker side of the synchronous PostgreSQL client (sync-client.ts): one node-postgres
 * connection, one query at a time. Each answer is posted on the port, then the request's
 * number is stored in the shared flag, which wakes the waiting main thread; it reads the
 * answer with receiveMessageOnPort.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

interface Setup {
  url: string;
  flag: Int32Array;
  port: MessagePort;
  connectTimeoutMs: number;
}

const { url, flag, port, connectTimeoutMs } = workerData as Setup;
// A server that accepts and never answers (a stuck pooler) is given up on: one line, exit 2.
const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs });
const connected = client.connect();
// A failed connection is reported to the first query, not left to crash the worker while the
// main thread waits; so is any error that escapes (a dropped connection), for the same reason.
connected.catch(() => undefined);
client.on('error', () => undefined);
process.on('uncaughtException', (error) => answer({ error: { message: error.message, code: null } }));

/** The number of the request being answered: the answer stores it in the flag, so the main thread knows its answer from a late wake-up. */
let current = 0;

function answer(message: unknown): void {
  port.postMessage(message);
  Atomics.store(flag, 0, current);
  Atomics.notify(flag, 0);
}

interface Query {
  sql: string;
  params: unknown[];
  /** Rows as arrays of their columns rather than objects. */
  array?: boolean;
  /** Integer columns as bigint; else BIGINT as a number (ids, counts and times stay below 2^53). */
  bigints?: boolean;
}

const INTEGERS = new Set([pg.types.builtins.INT2, pg.types.builtins.INT4, pg.types.builtins.INT8]);

/** BIGINT as number or bigint as the query asks; NUMERIC stays text, so money never becomes a float. */
function typesFor(bigints: boolean) {
  return {
    getTypeParser: (oid: number, format?: 'text' | 'binary') => {
      if (bigints && INTEGERS.has(oid)) return (text: string) => BigInt(text);
      if (oid === pg.types.builtins.INT8) return (text: string) => Number(text);
      return pg.types.getTypeParser(oid, format);
    },
  };
}

/**
 * A COPY … FROM STDIN under way: its stream, and how it ended. Rows are written as they come
 * and the server reads them meanwhile; a failure is told at the next write or at the end.
 */
interface CopyIn {
  stream: Writable & { rowCount?: number };
  ended: Promise<unknown>;
}
let copying: CopyIn | null = null;

type Copy = { copy: 'start'; sql: string } | { copy: 'rows'; text: string } | { copy: 'end' };

/** One step of a COPY: start it, hand it rows (waiting only while the socket is full), or end it and tell how many rows it took. */
async function copyStep(request: Copy): Promise<unknown> {
  if (request.copy === 'start') {
    const stream = client.query(copyFrom(request.sql));
    const ended = finished(stream);
    ended.catch(() => undefined);
    copying = { stream, ended };
    return {};
  }
  const open = copying;
  if (!open) throw new Error('no COPY under way');
  if (request.copy === 'rows') {
    if (!open.stream.write(request.text)) await Promise.race([once(open.stream, 'drain'), open.ended]);
    if (open.stream.errored) throw open.stream.errored;
    return {};
  }
  copying = null;
  open.stream.end();
  await open.ended;
  return { rows: [], rowCount: open.stream.rowCount ?? 0 };
}

parentPort!.on('message', (request: (Query | Copy | { close: true }) & { seq: number }) => {
  current = request.seq;
  void (async () => {
    try {
      await connected;
      if ('close' in request) {
        await client.end();
        return answer({ closed: true });
      }
      if ('copy' in request) return answer(await copyStep(request));
      const result = await client.query({
        text: request.sql,
        // Without values pg uses the simple protocol, which runs several statements at once (exec).
        ...(request.params.length > 0 ? { values: request.params } : {}),
        ...(request.array ? { rowMode: 'array' as const } : {}),
        types: typesFor(request.bigints ?? false),
      } as pg.QueryConfig);
      if (Array.isArray(result)) return answer({ rows: [], rowCount: 0 });
      answer({ rows: result.rows, rowCount: result.rowCount ?? 0 });
    } catch (error) {
      const e = error as { message?: string; code?: string };
      answer({ error: { message: e.message ?? String(error), code: e.code ?? null } });
    }
  })();
});
