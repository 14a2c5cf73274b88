import type { Readable } from 'node:stream';
import type { UsageEvent } from '../domain/types.js';

/** A row a reader could not turn into a record: its line, the field at fault and why. */
export interface RejectedRow {
  line: number;
  field: string | null;
  reason: string;
  /** The row's cells as read, or its raw text when it could not be split into cells. */
  cells: readonly string[];
}

/** What a reader yields: first the header it saw, then records and rejects in file order. */
export type ReadItem =
  | { kind: 'header'; columns: readonly string[]; ignored: readonly string[] }
  | { kind: 'event'; line: number; event: UsageEvent }
  | { kind: 'reject'; reject: RejectedRow };

export interface ReadOptions {
  /** How the file is named in messages. */
  name: string;
}

/**
 * One input format: how to recognise its header and how to stream it into records. Items
 * come in batches (one per chunk read), in file order, the header first.
 */
export interface Reader {
  format: string;
  source: 'gateway';
  detect(header: readonly string[]): boolean;
  read(input: Readable, options: ReadOptions): AsyncIterable<readonly ReadItem[]>;
}
