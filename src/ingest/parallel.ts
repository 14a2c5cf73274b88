import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { InputError } from '../domain/errors.js';
import type { ParsedBatch } from './encoded.js';
import type { Reader, ReadOptions } from './reader.js';

type Reply =
  | { type: 'batch'; batch: ParsedBatch }
  | { type: 'error'; input: { file: string; line: number | null; field: string | null; detail: string } | null; message: string };

/** Chunks sent to the worker and not yet answered: bounds memory both ways. */
const IN_FLIGHT = 3;

/**
 * Parses `input` with `reader` on a worker thread and yields its batches in order, so that
 * parsing the next chunks overlaps with whatever the caller does with this one (SQLite).
 */
export async function* parseInWorker(reader: Reader, input: Readable, options: ReadOptions): AsyncIterable<ParsedBatch> {
  const worker = new Worker(new URL('./parse-worker.js', import.meta.url), {
    workerData: { format: reader.format, source: reader.source, shape: reader.shape, options },
    // A small heap makes the parser's garbage short-lived: peak memory stays bounded.
    resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 },
  });
  const replies: (Reply | Error)[] = [];
  let wake: (() => void) | null = null;
  const arrive = (reply: Reply | Error) => {
    replies.push(reply);
    wake?.();
  };
  worker.on('message', arrive);
  worker.on('error', arrive);
  worker.on('exit', (code) => arrive(new Error(`parse worker stopped (exit ${code})`)));

  input.setEncoding('utf8');
  const chunks = (input as AsyncIterable<string>)[Symbol.asyncIterator]();
  let inFlight = 0;
  let ended = false;
  const sendMore = async () => {
    while (!ended && inFlight < IN_FLIGHT) {
      const next = await chunks.next();
      ended = next.done === true;
      worker.postMessage(ended ? { type: 'end' } : { type: 'chunk', text: next.value });
      inFlight++;
    }
  };
  try {
    await sendMore();
    while (inFlight > 0) {
      while (replies.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const reply = replies.shift()!;
      if (reply instanceof Error) throw reply;
      if (reply.type === 'error') {
        const { input: bad } = reply;
        throw bad ? new InputError(bad.file, bad.line, bad.field, bad.detail) : new Error(reply.message);
      }
      inFlight--;
      yield reply.batch;
      await sendMore();
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
    input.destroy();
  }
}
