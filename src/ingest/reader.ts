import type { Readable } from 'node:stream';
import type { BillingRecord, CounterSample, GpuSample, UsageEvent } from '../domain/types.js';

/** A row a reader could not turn into a record: its line, the field at fault and why. */
export interface RejectedRow {
  line: number;
  field: string | null;
  reason: string;
  /** The row's cells as read, or its raw text when it could not be split into cells. */
  cells: readonly string[];
}

/**
 * What a reader yields: first the header it saw, then records and rejects in file order.
 * Every record keeps its `cells` as read (as a reject does), so that a record refused later
 * (a closed month) still reaches the rejects file whole.
 */
export type ReadItem =
  | { kind: 'header'; columns: readonly string[]; ignored: readonly string[] }
  | { kind: 'event'; line: number; event: UsageEvent; cells: readonly string[] }
  | { kind: 'gpu'; line: number; sample: GpuSample; cells: readonly string[] }
  | {
      kind: 'billing';
      line: number;
      record: BillingRecord;
      cells: readonly string[];
      /** The whole raw row, columns by name: what a record without a line id is keyed by. */
      row: string;
    }
  | { kind: 'counter'; line: number; sample: CounterSample; cells: readonly string[] }
  | { kind: 'reject'; reject: RejectedRow };


export interface ReadOptions {
  /** How the file is named in messages. */
  name: string;
  /** The zone of timestamps written without one (default UTC); the native CSV refuses those. */
  tz?: string;
  /** Billing: how to read slashed dates (default month first). */
  dateOrder?: 'mdy' | 'dmy';
  /** Billing: the currency of a file that has no currency column. */
  currency?: string;
  /** GPU: the host of samples that do not name one (nvidia-smi never does). */
  host?: string;
  /** GPU: the time of a scrape that carries no timestamps, as UTC milliseconds. */
  at?: number;
  /** GPU: the column names of nvidia-smi output written with `noheader` (the --query-gpu list). */
  columns?: readonly string[];
  /**
   * Gateway: the identity of records that carry none (`--set team=search`): `user`, `team`,
   * `project` or `tag.NAME`, each used where a record has no value of its own.
   */
  defaults?: Readonly<Record<string, string>>;
  /** Closed months whose records are refused (SPEC §5). */
  closed?: readonly { month: string; runId: number; startMs: number; endMs: number }[];
}

/** Turns decoded text, fed piece by piece, into items: the header first, then in file order. */
export interface IncrementalParser {
  push(text: string): ReadItem[];
  /** Ends the input; throws InputError for a file without a header. */
  end(): ReadItem[];
}

/**
 * One input format: how to recognise its header and how to turn its text into records.
 * A reader is a pure parser, so it can run on a worker thread while SQLite writes.
 */
export interface Reader {
  format: string;
  source: 'gateway' | 'billing' | 'gpu';
  shape: 'csv' | 'json' | 'text' | 'xml';
  /**
   * Where a raw API key may sit (lower-case CSV column names, or JSON keys) and the form the
   * reader keeps it in: a rejects file and every message hold that form, never the key.
   */
  secrets?: { fields: readonly string[]; keep: (value: string) => string };
  /** The field whose time dates a record: named when a closed month refuses the record. */
  dateField: string;
  /**
   * Where a file that yields no record at all is a wrong file (another exporter's metrics, a
   * query for other metrics), never a quiet success: what it lacks, as the refusal names it.
   */
  nothingRead?: string;
  /** Whether the lower-case header names (or the first object's keys) are this format's. */
  detect(names: readonly string[]): boolean;
  parser(options: ReadOptions): IncrementalParser;
  /**
   * For readers of rows of named cells (the billing exports): how to read a header and one
   * row, whatever the rows come from. Such a reader also reads Parquet (issue 15).
   */
  rows?(options: ReadOptions): RowReading;
}

/** How a reader of rows reads its header and one row of the header's width. */
export interface RowReading {
  /** The header item; throws InputError for a header the format cannot read. */
  onHeader(cells: string[]): ReadItem;
  /** One row: an event, a sample, a billing record or a reject. */
  onRow(line: number, cells: string[]): ReadItem;
}

/** Streams a whole input through a reader, in batches of items (one per chunk read). */
export async function* readAll(reader: Reader, input: Readable, options: ReadOptions): AsyncIterable<ReadItem[]> {
  input.setEncoding('utf8');
  const parser = reader.parser(options);
  for await (const chunk of input as AsyncIterable<string>) {
    const items = parser.push(chunk);
    if (items.length > 0) yield items;
  }
  const last = parser.end();
  if (last.length > 0) yield last;
}
