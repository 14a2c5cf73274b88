// The parsing thread: turns chunks of text into encoded batches while the main thread writes
// to SQLite. One reply per message, so the main thread can bound what is in flight.
import { parentPort, workerData } from 'node:worker_threads';
import { InputError } from '../domain/errors.js';
import { refuseClosed } from './closed.js';
import { encodeItems } from './encoded.js';
import { READERS } from './index.js';
import type { ReadOptions } from './reader.js';

const { format, source, shape, options } = workerData as { format: string; source: string; shape: string; options: ReadOptions };
const reader = READERS.find((r) => r.format === format && r.source === source && r.shape === shape);
if (!reader || !parentPort) throw new Error(`parse worker: no reader ${source}/${format}/${shape}`);
const port = parentPort;
const parser = reader.parser(options);

port.on('message', (message: { type: 'chunk'; text: string } | { type: 'end' }) => {
  try {
    const items = message.type === 'chunk' ? parser.push(message.text) : parser.end();
    const batch = encodeItems(refuseClosed(items, options.closed ?? [], reader.dateField));
    port.postMessage({ type: 'batch', batch }, [batch.events.nums.buffer as ArrayBuffer]);
  } catch (error) {
    const input = error instanceof InputError
      ? { file: error.file, line: error.line, field: error.field, detail: error.detail }
      : null;
    port.postMessage({ type: 'error', input, message: error instanceof Error ? error.message : String(error) });
  }
});
