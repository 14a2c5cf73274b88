import { randomUUID } from 'node:crypto';
import { createWriteStream, lstatSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InputError, ProblemFound } from '../domain/errors.js';
import { beginBatch, priorAttempt, wroteRejects, type BatchRow, type PriorAttempt } from '../ledger/batches.js';
import type { Ledger } from '../ledger/open.js';
import { chooseReader, fileStart, type FileStart } from './index.js';
import { englishName } from './header-names.js';
import { openParquet, type ParquetRows } from './parquet.js';
import { isPromApiAnswer, promApiText } from './prom-api.js';
import { openInput, peekStart, type Input } from './input.js';
import { parseInWorker } from './parallel.js';
import { readAll, type ReadItem, type ReadOptions, type Reader, type RejectedRow } from './reader.js';
import { refuseClosed } from './closed.js';
import type { SpendLogCursor } from './gateway/litellm-db.js';
import { closedMonths } from '../ledger/runs.js';
import { encodeItems, type ParsedBatch } from './encoded.js';
import { classesIn } from '../ledger/event-codec.js';
import { CLASS_COUNTS } from '../domain/usage-counts.js';
import { billingKey } from '../keys.js';
import type { BillingRecord, CounterSample, GpuSample } from '../domain/types.js';
import { counterLog } from '../ledger/counters.js';
import { counterUsage } from './gateway/vllm.js';
import { completeRecordsOnly, type HeldBack } from './complete-records.js';
import { isRejectsHeader, openRejectsFile, redactorFor, unwrapRejects, type RejectsFile } from './rejects.js';

/** How to ingest a file: the reader's options (but its name) and the batch's own. */
export interface IngestOptions extends Omit<ReadOptions, 'name' | 'closed'> {
  source: string;
  format?: string;
  strict: boolean;
  /**
   * Read the file even when its bytes were ingested before (row keys still stop double
   * counting): with --allow-closed, rows refused the first time are now taken.
   */
  reread?: boolean;
  rejectsPath?: string;
  /** The file is whole (--complete): its last line is a record even without a line end. */
  complete?: boolean;
  /** Where temporary files are registered, so a signal can remove them (see Io). */
  temporaries?: Set<string>;
  stdin: Readable;
  /** What `-` is called in messages and batches (a database pull names its source). */
  stdinName?: string;
  now: () => Date;
  /** Called now and then with the rows read so far (for a progress line on a terminal). */
  onProgress?: (rowsRead: number) => void;
}

/** What a pull from LiteLLM's database did: a batch (or a no-op), or nothing new past the cursor. */
export type PullOutcome = { kind: 'nothing-new'; source: string; since: SpendLogCursor | null } | IngestOutcome;

export type IngestOutcome =
  | { kind: 'already'; file: string; batch: BatchRow }
  | {
      kind: 'stored';
      file: string;
      /** The batch made; or, when the read stored nothing and its bytes were read before, the earlier batch (no batch is added). */
      batchId: number;
      unchangedSince: number | null;
      format: string;
      read: number;
      accepted: number;
      duplicate: number;
      rejected: number;
      ignoredColumns: readonly string[];
      rejectsFile: string | null;
      firstReject: RejectedRow | null;
      /** Why bytes ingested before were read again, when they were. */
      reread: string | null;
      /** The incomplete last record left for the next read. */
      heldBack: HeldBack | null;
      /** The token classes beyond input, output and cache reads that the file carried (issue 29). */
      classes: string[];
    };

/**
 * Streams one file into the ledger as one batch: file → reader → ledger, in one transaction.
 * Same bytes again: a no-op. Rows already in the ledger: counted as duplicates. Bad rows:
 * written to the rejects file with line and reason. With `strict`, any reject rolls back.
 */
export async function ingestFile(ledger: Ledger, file: string, options: IngestOptions): Promise<IngestOutcome> {
  const input = await openInput(file, options.stdin, options.stdinName);
  const records = await readableRecords(input, file, options.complete ?? false, options.temporaries).catch((error: unknown) => Promise.reject(inputProblem(error, input.name)));
  try {
    return await ingestRecords(ledger, file, input, records, options);
  } finally {
    records.close();
  }
}

async function ingestRecords(ledger: Ledger, file: string, input: Input, records: Records, options: IngestOptions): Promise<IngestOutcome> {
  const { stream, parquet } = records;
  const reader = chooseReader(options.source, options.format, records.start, input.name);
  const parseOptions = parseOptionsKey(reader.format, options);
  const earlier: PriorAttempt | null = input.knownSha256 !== null && !options.reread ? priorAttempt(ledger, input.knownSha256, options.source, parseOptions) : null;
  if (earlier?.kind === 'already') return { kind: 'already', file: input.name, batch: earlier.batch };
  const rejectsPath = options.rejectsPath ?? `${file === '-' ? 'stdin' : file}.rejects.csv`;

  const batch = beginBatch(ledger, {
    source: options.source,
    format: reader.format,
    parseOptions,
    ...(options.reread ? { flags: JSON.stringify({ 'allow-closed': true }) } : {}),
    fileName: input.name,
    startedAt: options.now().toISOString(),
  });
  let rejects: RejectsFile | null = null;
  const counts = { read: 0, accepted: 0, duplicate: 0, rejected: 0 };
  let ignoredColumns: readonly string[] = [];
  let firstReject: RejectedRow | null = null;
  let redact = (reject: RejectedRow): RejectedRow => reject;

  try {
    const { tz, dateOrder, currency, host, at, columns, defaults } = options;
    // Read under the batch's write lock: a month closed before this batch commits is closed
    // for all of its rows (a close waits for the lock; issue 13).
    const closed = options.reread ? [] : closedMonths(ledger);
    const readOptions: ReadOptions = { name: input.name, tz, dateOrder, currency, host, at, columns, defaults, closed };
    // Gateway logs are parsed on a worker thread while this one writes to SQLite; billing
    // exports are small and read here.
    const batches = parquet ? parseParquet(reader, parquet, readOptions)
      : reader.source === 'gateway' ? parseInWorker(reader, stream, readOptions) : parseHere(reader, stream, readOptions);
    const counter = counterLog(ledger, batch.id);
    const increases: { sample: CounterSample; increase: number }[] = [];
    const addReject = (item: RejectedRow) => {
      counts.rejected++;
      const reject = redact(item);
      firstReject ??= reject;
      // A reader must name its columns first; a reject with nowhere to go would be lost.
      if (!rejects) throw new Error(`${reader.format} reader yielded a reject before its header`);
      rejects.add(reject);
    };
    const carried = new Set<string>();
    for await (const { others, events } of batches) {
      classesIn(events, carried);
      const billing: { key: string; record: BillingRecord }[] = [];
      const gpu: GpuSample[] = [];
      for (const item of others) {
        if (item.kind === 'counter') {
          counts.read++;
          const outcome = counter(item.sample);
          if (outcome.kind === 'reject') addReject({ line: item.line, field: 'timestamp', reason: outcome.reason, cells: item.cells });
          else if (outcome.kind === 'duplicate') counts.duplicate++;
          else {
            counts.accepted++;
            if (outcome.increase !== null) increases.push({ sample: item.sample, increase: outcome.increase });
          }
          continue;
        }
        if (item.kind === 'gpu') {
          counts.read++;
          gpu.push(item.sample);
          continue;
        }
        if (item.kind === 'billing') {
          counts.read++;
          billing.push({ key: billingKey(reader.format, item.record, item.row), record: item.record });
          continue;
        }
        if (item.kind === 'header') {
          ignoredColumns = item.ignored;
          rejects = openRejectsFile(rejectsPath, item.columns, options.temporaries);
          redact = redactorFor(reader, item.columns);
        } else if (item.kind === 'reject') {
          counts.read++;
          addReject(item.reject);
        }
      }
      const inserted = batch.insertEncoded(events) + batch.insertBilling(billing) + batch.insertGpu(gpu);
      counts.read += events.count;
      counts.accepted += inserted;
      counts.duplicate += events.count + billing.length + gpu.length - inserted;
      options.onProgress?.(counts.read);
    }
    // Usage of counters: their increases, once every sample is stored (a scrape's lines may span chunks).
    if (increases.length > 0) batch.insert(counterUsage(increases, options.defaults));
    if (reader.nothingRead !== undefined && counts.read === 0) {
      batch.rollback();
      rejects?.discard();
      throw new ProblemFound(`${input.name}: ${reader.nothingRead}: the file holds none of the metrics the ${reader.format} format reads; nothing was stored`);
    }
    const rejectsFile = rejects?.close() ?? null;
    if (options.strict && firstReject) {
      batch.rollback();
      throw strictFailure(input.name, firstReject, counts.rejected, rejectsFile);
    }
    // Rows a backend stores only as the batch finishes were counted as duplicates so far.
    const late = batch.settle();
    counts.accepted += late;
    counts.duplicate -= late;
    const sha256 = await input.sha256();
    const heldBack = records.heldBack();
    const sameBytes = batch.commit(
      sha256,
      { ...counts, ignoredColumns, rejectsFile, heldBack: heldBack?.line ?? null },
      options.now().toISOString(),
      options.reread ?? false,
    );
    // Bytes seen before that store nothing now add no batch: the read is reported, the batch named is the earlier one.
    const alreadyThere = sameBytes && !options.reread && sameBytes.rowsAccepted > 0 && sameBytes.parseOptions === parseOptions;
    if (sameBytes && (counts.accepted > 0 || alreadyThere)) return { kind: 'already', file: input.name, batch: sameBytes };
    if (rejectsFile === null) removeStaleRejects(ledger, rejectsPath, input.name);
    const unchangedSince = sameBytes ? sameBytes.id : null;
    const reread = options.reread ? 'read again with --allow-closed' : earlier?.kind === 'retry' ? `read again: ${earlier.why}` : null;
    return { kind: 'stored', file: input.name, batchId: unchangedSince ?? batch.id, unchangedSince, format: reader.format, ...counts, ignoredColumns, rejectsFile, firstReject, reread, heldBack,
      classes: CLASS_COUNTS.map((c) => c.column).filter((c) => carried.has(c)) };
  } catch (error) {
    batch.rollback();
    rejects?.discard();
    throw inputProblem(error, input.name);
  }
}

/**
 * A clean read removes the rejects file an earlier batch of the same file wrote there (issue
 * 28): a rejects file left beside a file that now reads cleanly would say rows are missing.
 * Only a regular file the ledger records as written for this file name is removed.
 */
function removeStaleRejects(ledger: Ledger, path: string, fileName: string): void {
  if (!wroteRejects(ledger, path, fileName)) return;
  try {
    if (lstatSync(path).isFile()) rmSync(path);
  } catch {
    // Gone already, or not ours to remove: nothing to do.
  }
}

function strictFailure(file: string, first: RejectedRow, rejected: number, rejectsFile: string | null): InputError {
  const where = rejectsFile ? `, listed in ${rejectsFile}` : '';
  return new InputError(
    file,
    first.line,
    first.field,
    `${first.reason} (--strict: ${rejected} row${rejected === 1 ? '' : 's'} rejected${where}; nothing was stored)`,
  );
}

/** Parses on this thread, in the same batches the worker hands over. */
async function* parseHere(reader: Reader, stream: Readable, options: ReadOptions): AsyncIterable<ParsedBatch> {
  for await (const items of readAll(reader, stream, options)) yield encodeItems(refuseClosed(items, options.closed ?? [], reader.dateField));
}

/** Parses a Parquet file's rows on this thread, in slices, with the reader's row reading. */
async function* parseParquet(reader: Reader, file: ParquetRows, options: ReadOptions): AsyncIterable<ParsedBatch> {
  const rows = reader.rows?.(options);
  if (!rows) throw new Error(`${reader.format} reader was chosen for Parquet but reads no rows`);
  const refuse = (items: ReadItem[]) => encodeItems(refuseClosed(items, options.closed ?? [], reader.dateField));
  yield refuse([rows.onHeader(file.names)]);
  for await (const slice of file.slices()) yield refuse(slice.rows.map((cells, i) => rows.onRow(slice.first + i, cells)));
}

/** An input ready to read: how it starts, and its text stream or its Parquet rows. */
interface Records {
  start: FileStart;
  stream: Readable;
  parquet: ParquetRows | null;
  /** Ends the input's reading and removes what was spooled for it. */
  close(): void;
  /** Once read: the incomplete last record held back for the next read, if any. */
  heldBack(): HeldBack | null;
}

/**
 * The input's start and its records; a rejects file is read as the records it holds. Parquet
 * is read by position: a file by its path, anything else (stdin, a pipe) spooled to a
 * temporary file first.
 */
async function readableRecords(input: Input, file: string, complete: boolean, temporaries?: Set<string>): Promise<Records> {
  const start = await peekStart(input.stream);
  if (start.parquet) {
    const spooled = input.knownSha256 === null ? await spool(start.stream, temporaries) : null;
    if (spooled === null) start.stream.destroy();
    const remove = () => {
      if (spooled === null) return;
      rmSync(spooled, { force: true });
      temporaries?.delete(spooled);
    };
    try {
      const parquet = await openParquet(spooled ?? file, input.name);
      return { start: { shape: 'parquet', names: parquet.names.map(englishName) }, stream: start.stream, parquet, close: remove, heldBack: () => null };
    } catch (error) {
      remove();
      throw error;
    }
  }
  const close = () => start.stream.destroy();
  const { shape, names } = fileStart(start.text);
  if (shape === 'json' && isPromApiAnswer(names)) {
    // A Prometheus API answer is one JSON value: read whole, and handed on as scrape text.
    const text = promApiText(await readText(start.stream), input.name);
    return { start: fileStart(text), stream: Readable.from([Buffer.from(text)]), parquet: null, close: () => undefined, heldBack: () => null };
  }
  // Records of a file still being written: the incomplete last one waits for the next read.
  // A whole document (a JSON array or object, XML) that ends early is the reader's error
  // instead, and so is gzip: its trailer proves the stream whole, and a cut one is refused.
  const byRecord = complete || start.gzip ? null : shape === 'csv' || shape === 'text' || (shape === 'json' && isJsonLines(start.text)) ? completeRecordsOnly(start.stream, shape === 'csv') : null;
  const stream = byRecord?.stream ?? start.stream;
  const heldBack = byRecord?.heldBack ?? (() => null);
  if (shape !== 'csv' || !isRejectsHeader(names)) return { start: { shape, names }, stream, parquet: null, close, heldBack };
  const rejects = await peekStart(unwrapRejects(stream));
  return { start: fileStart(rejects.text), stream: rejects.stream, parquet: null, close: () => rejects.stream.destroy(), heldBack };
}

/** JSON Lines rather than one document: the first line is a whole JSON object, and another follows it. */
function isJsonLines(text: string): boolean {
  const [first, second] = text.replace(/^\uFEFF/, '').split('\n').filter((l) => l.trim() !== '');
  if (first === undefined || second === undefined || !second.trimStart().startsWith('{')) return false;
  try {
    JSON.parse(first);
    return true;
  } catch {
    return false;
  }
}

async function readText(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

/** Writes a stream to a temporary file, registered so that a signal removes it too. */
async function spool(stream: Readable, temporaries?: Set<string>): Promise<string> {
  const path = join(tmpdir(), `chargeback-${process.pid}-${randomUUID()}.parquet`);
  temporaries?.add(path);
  try {
    await pipeline(stream, createWriteStream(path));
  } catch (error) {
    rmSync(path, { force: true });
    temporaries?.delete(path);
    throw error;
  }
  return path;
}

/**
 * The options that change how bytes parse, as canonical JSON named by their flags: the same
 * bytes read with other ones are a new attempt. The format is the one read, given or detected.
 */
export function parseOptionsKey(format: string, options: Pick<ReadOptions, 'tz' | 'dateOrder' | 'currency' | 'host' | 'at' | 'columns' | 'defaults'> & { complete?: boolean }): string {
  const set = options.defaults ? Object.entries(options.defaults).map(([k, v]) => `${k}=${v}`).sort() : undefined;
  const flags: [string, unknown][] = [
    ['format', format], ['tz', options.tz], ['date-order', options.dateOrder], ['currency', options.currency],
    ['host', options.host], ['at', options.at === undefined ? undefined : new Date(options.at).toISOString()], ['columns', options.columns],
    ['set', set], ['complete', options.complete ? true : undefined],
  ];
  return JSON.stringify(Object.fromEntries(flags.filter(([, v]) => v !== undefined)));
}

/** What the bytes themselves got wrong, named by the file; anything else as it is. */
function inputProblem(error: unknown, name: string): unknown {
  // zlib's own errors: a .gz cut short or damaged.
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    return new InputError(name, null, null, `the gzip data is cut short or damaged (${(error as Error).message}); nothing was stored`);
  }
  // SQLite keeps daily sums in 64 bits: past that the file cannot be real usage.
  if (error instanceof Error && error.message === 'integer overflow') {
    return new InputError(name, null, null, 'token counts whose sum for one day passes 2^63 - 1: no real log holds that many; nothing was stored');
  }
  return error;
}
