import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../domain/errors.js';
import { isParquet } from './parquet.js';

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

/**
 * Opens `file` (or stdin for `-`). A regular file is hashed first, so that bytes ingested
 * before are a no-op at once; anything else (stdin, a FIFO, a process substitution) can be
 * read only once, so it is hashed while it is parsed. Unreadable files are an InputError
 * naming the file.
 */
export async function openInput(file: string, stdin: Readable, stdinName = 'stdin'): Promise<Input> {
  if (file === '-') return hashedWhileRead(stdinName, stdin);
  let regular: boolean;
  try {
    const stat = statSync(file);
    // A folder would never end as a stream (issue 31: exit 13, nothing said): one line instead.
    if (stat.isDirectory()) throw new InputError(file, null, null, 'is a folder: give the files in it (chargeback ingest FOLDER/*.csv)');
    regular = stat.isFile();
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw unreadable(file, error);
  }
  if (!regular) return hashedWhileRead(file, createReadStream(file, { highWaterMark: 1 << 18 }).on('error', () => undefined));
  let sha256: string;
  try {
    sha256 = await hashFile(file);
  } catch (error) {
    throw unreadable(file, error);
  }
  // Large reads: fewer, bigger chunks for the parsing thread.
  return { name: file, stream: createReadStream(file, { highWaterMark: 1 << 18 }), sha256: async () => sha256, knownSha256: sha256 };
}

function unreadable(file: string, error: unknown): InputError {
  const code = (error as NodeJS.ErrnoException).code ?? String(error);
  return new InputError(file, null, null, `cannot read the file (${code})`);
}

/** A stream read once: its SHA-256 is known when it ends. */
function hashedWhileRead(name: string, source: Readable): Input {
  const hash = createHash('sha256');
  const tee = new PassThrough();
  const done = new Promise<string>((resolve, reject) => {
    tee.on('end', () => resolve(hash.digest('hex')));
    tee.on('error', reject);
  });
  tee.on('data', (chunk: Buffer) => hash.update(chunk));
  source.pipe(tee);
  // The hash taps the stream; a second PassThrough hands the bytes on unread.
  const out = new PassThrough();
  tee.pipe(out);
  return { name, stream: out, sha256: () => done, knownSha256: null };
}

/** How much of a file is read to recognise it: enough for a pretty-printed first object. */
const PEEK_BYTES = 64 << 10;

/**
 * Reads the start of an input without losing it: returns its first text (decompressed when
 * the bytes are gzip, whatever the file's name) and a byte stream that still starts there.
 */
export async function peekStart(stream: Readable): Promise<{ text: string; stream: Readable; parquet: boolean; gzip: boolean }> {
  const raw = await peekBytes(stream, 4);
  // Parquet is binary and read by position, not as text: the caller reads it from a file.
  if (isParquet(raw.head)) return { text: '', stream: raw.stream, parquet: true, gzip: false };
  const gzip = raw.head[0] === 0x1f && raw.head[1] === 0x8b;
  const plain = gzip ? raw.stream.pipe(createGunzip()) : raw.stream;
  const { head, stream: rest } = await peekBytes(plain, PEEK_BYTES);
  return { text: new TextDecoder('utf-8', { fatal: false }).decode(head).replace(/\uFFFD$/, ''), stream: rest, parquet: false, gzip };
}

/** Reads at least `count` bytes (or all there are) and gives them back with the whole stream. */
async function peekBytes(stream: Readable, count: number): Promise<{ head: Buffer; stream: Readable }> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const chunks: Buffer[] = [];
  let size = 0;
  while (size < count) {
    const next = await iterator.next();
    if (next.done) break;
    chunks.push(next.value);
    size += next.value.length;
  }
  // A byte stream (not object mode), so that setEncoding decodes characters split across chunks.
  const rest = Readable.from(
    (async function* () {
      yield* chunks;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    })(),
    { objectMode: false },
  );
  return { head: Buffer.concat(chunks), stream: rest };
}
