import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError } from '../domain/errors.js';

/** An input file opened for one streaming read, with the SHA-256 of its bytes. */
export interface Input {
  name: string;
  stream: Readable;
  /** Known before reading for files (so a re-ingest is a no-op at once); after it for stdin. */
  sha256: () => Promise<string>;
  knownSha256: string | null;
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** Opens `file` (or stdin for `-`). Unreadable files are an InputError naming the file. */
export async function openInput(file: string, stdin: Readable): Promise<Input> {
  if (file === '-') {
    const hash = createHash('sha256');
    const tee = new PassThrough();
    const done = new Promise<string>((resolve, reject) => {
      tee.on('end', () => resolve(hash.digest('hex')));
      tee.on('error', reject);
    });
    tee.on('data', (chunk: Buffer) => hash.update(chunk));
    stdin.pipe(tee);
    // The hash taps the stream; a second PassThrough hands the bytes on unread.
    const out = new PassThrough();
    tee.pipe(out);
    return { name: 'stdin', stream: out, sha256: () => done, knownSha256: null };
  }
  let sha256: string;
  try {
    sha256 = await hashFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new InputError(file, null, null, `cannot read the file (${code})`);
  }
  // Large reads: fewer, bigger chunks for the parsing thread.
  return { name: file, stream: createReadStream(file, { highWaterMark: 1 << 18 }), sha256: async () => sha256, knownSha256: sha256 };
}

/** Reads the first line without losing it: returns it and a stream that still starts with it. */
export async function peekFirstLine(stream: Readable): Promise<{ line: string; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const head: Buffer[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    if (next.value.includes(10) || head.reduce((n, b) => n + b.length, 0) > 1 << 20) break;
  }
  const text = Buffer.concat(head).toString('utf8');
  // A byte stream (not object mode), so that setEncoding decodes characters split across chunks.
  const rest = Readable.from(
    (async function* () {
      yield* head;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
    { objectMode: false },
  );
  return { line: (text.split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, ''), stream: rest };
}
