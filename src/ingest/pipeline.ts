import type { Readable } from 'node:stream';
import { InputError } from '../domain/errors.js';
import { beginBatch, priorAttempt, type BatchRow, type PriorAttempt } from '../ledger/batches.js';
import type { Ledger } from '../ledger/open.js';
import { chooseReader, fileStart } from './index.js';
import { openInput, peekStart } from './input.js';
import { parseInWorker } from './parallel.js';
import { readAll, type ReadOptions, type Reader, type RejectedRow } from './reader.js';
import { refuseClosed } from './closed.js';
import { closedMonths } from '../ledger/runs.js';
import { encodeItems, type ParsedBatch } from './encoded.js';
import { billingKey } from '../keys.js';
import type { BillingRecord, GpuSample } from '../domain/types.js';
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
  /** Where temporary files are registered, so a signal can remove them (see Io). */
  temporaries?: Set<string>;
  stdin: Readable;
  now: () => Date;
  /** Called now and then with the rows read so far (for a progress line on a terminal). */
  onProgress?: (rowsRead: number) => void;
}

export type IngestOutcome =
  | { kind: 'already'; file: string; batch: BatchRow }
  | {
      kind: 'stored';
      file: string;
      batchId: number;
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
    };

/**
 * Streams one file into the ledger as one batch: file → reader → ledger, in one transaction.
 * Same bytes again: a no-op. Rows already in the ledger: counted as duplicates. Bad rows:
 * written to the rejects file with line and reason. With `strict`, any reject rolls back.
 */
export async function ingestFile(ledger: Ledger, file: string, options: IngestOptions): Promise<IngestOutcome> {
  const input = await openInput(file, options.stdin);
  const { text, stream } = await readableRecords(input.stream).catch((error: unknown) => Promise.reject(inputProblem(error, input.name)));
  const reader = chooseReader(options.source, options.format, fileStart(text), input.name);
  const parseOptions = parseOptionsKey(reader.format, options);
  const earlier: PriorAttempt | null = input.knownSha256 !== null && !options.reread ? priorAttempt(ledger, input.knownSha256, options.source, parseOptions) : null;
  if (earlier?.kind === 'already') {
    stream.destroy();
    return { kind: 'already', file: input.name, batch: earlier.batch };
  }
  const rejectsPath = options.rejectsPath ?? `${file === '-' ? 'stdin' : file}.rejects.csv`;

  const batch = beginBatch(ledger, {
    source: options.source,
    format: reader.format,
    parseOptions,
    fileName: input.name,
    startedAt: options.now().toISOString(),
  });
  let rejects: RejectsFile | null = null;
  const counts = { read: 0, accepted: 0, duplicate: 0, rejected: 0 };
  let ignoredColumns: readonly string[] = [];
  let firstReject: RejectedRow | null = null;
  let redact = (reject: RejectedRow): RejectedRow => reject;

  try {
    const { tz, dateOrder, currency, host, at, columns } = options;
    // Read under the batch's write lock: a month closed before this batch commits is closed
    // for all of its rows (a close waits for the lock; issue 13).
    const closed = options.reread ? [] : closedMonths(ledger);
    const readOptions: ReadOptions = { name: input.name, tz, dateOrder, currency, host, at, columns, closed };
    // Gateway logs are parsed on a worker thread while this one writes to SQLite; billing
    // exports are small and read here.
    const batches = reader.source === 'gateway' ? parseInWorker(reader, stream, readOptions) : parseHere(reader, stream, readOptions);
    for await (const { others, events } of batches) {
      const billing: { key: string; record: BillingRecord }[] = [];
      const gpu: GpuSample[] = [];
      for (const item of others) {
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
          counts.rejected++;
          const reject = redact(item.reject);
          firstReject ??= reject;
          // A reader must name its columns first; a reject with nowhere to go would be lost.
          if (!rejects) throw new Error(`${reader.format} reader yielded a reject before its header`);
          rejects.add(reject);
        }
      }
      const inserted = batch.insertEncoded(events) + batch.insertBilling(billing) + batch.insertGpu(gpu);
      counts.read += events.count;
      counts.accepted += inserted;
      counts.duplicate += events.count + billing.length + gpu.length - inserted;
      options.onProgress?.(counts.read);
    }
    const rejectsFile = rejects?.close() ?? null;
    if (options.strict && firstReject) {
      batch.rollback();
      throw strictFailure(input.name, firstReject, counts.rejected, rejectsFile);
    }
    const sha256 = await input.sha256();
    const sameBytes = batch.commit(
      sha256,
      { ...counts, ignoredColumns, rejectsFile },
      options.now().toISOString(),
      options.reread ?? false,
    );
    if (sameBytes) return { kind: 'already', file: input.name, batch: sameBytes };
    const reread = options.reread ? 'read again with --allow-closed' : earlier?.kind === 'retry' ? `read again: ${earlier.why}` : null;
    return { kind: 'stored', file: input.name, batchId: batch.id, format: reader.format, ...counts, ignoredColumns, rejectsFile, firstReject, reread };
  } catch (error) {
    batch.rollback();
    rejects?.discard();
    throw inputProblem(error, input.name);
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

/** The input's first text and its stream; a rejects file is read as the records it holds. */
async function readableRecords(raw: Readable): Promise<{ text: string; stream: Readable }> {
  const start = await peekStart(raw);
  const { shape, names } = fileStart(start.text);
  return shape === 'csv' && isRejectsHeader(names) ? peekStart(unwrapRejects(start.stream)) : start;
}

/**
 * The options that change how bytes parse, as canonical JSON named by their flags: the same
 * bytes read with other ones are a new attempt. The format is the one read, given or detected.
 */
export function parseOptionsKey(format: string, options: Pick<ReadOptions, 'tz' | 'dateOrder' | 'currency' | 'host' | 'at' | 'columns'>): string {
  const flags: [string, unknown][] = [
    ['format', format], ['tz', options.tz], ['date-order', options.dateOrder], ['currency', options.currency],
    ['host', options.host], ['at', options.at === undefined ? undefined : new Date(options.at).toISOString()], ['columns', options.columns],
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
