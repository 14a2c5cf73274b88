/*
 * The worker side of the synchronous PostgreSQL client (sync-client.ts): one node-postgres
 * connection, one query at a time. Each answer is posted on the port, then the shared flag
 * wakes the waiting main thread, which reads the answer with receiveMessageOnPort.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';

interface Setup {
  url: string;
  flag: Int32Array;
  port: MessagePort;
}

const { url, flag, port } = workerData as Setup;
// BIGINT and NUMERIC stay text (pg's default): money reaches decimal.js as text, never a float.
const client = new pg.Client({ connectionString: url });
const connected = client.connect();
// A failed connection is reported to the first query, not left to crash the worker while the
// main thread waits; so is any error that escapes (a dropped connection), for the same reason.
connected.catch(() => undefined);
client.on('error', () => undefined);
process.on('uncaughtException', (error) => answer({ error: { message: error.message, code: null } }));

function answer(message: unknown): void {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

parentPort!.on('message', (request: { sql: string; params: unknown[] } | { close: true }) => {
  void (async () => {
    try {
      await connected;
      if ('close' in request) {
        await client.end();
        return answer({ closed: true });
      }
      const result = await client.query({ text: request.sql, values: request.params });
      answer({ rows: result.rows, rowCount: result.rowCount ?? 0 });
    } catch (error) {
      const e = error as { message?: string; code?: string };
      answer({ error: { message: e.message ?? String(error), code: e.code ?? null } });
    }
  })();
});
