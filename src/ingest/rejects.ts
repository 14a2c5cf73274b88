import { appendFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { FileError } from '../domain/errors.js';
import { toCsv } from '../report/csv.js';
import type { RejectedRow } from './reader.js';

/** The columns a rejects file adds after a row's own cells. */
const REJECT_COLUMNS = ['line', 'reason'] as const;
/** The one column of a rejects file whose records are not CSV rows (JSON objects, Prometheus samples). */
const RAW_COLUMNS = new Set(['record', 'sample']);

/**
 * Writes rejected rows as CSV: each row's own cells verbatim (never padded or cut, so a
 * fixed file reads as the original did), then `line` and `reason`. It is written to a
 * temporary name and only put in place when the batch ends, so a killed ingest leaves no
 * half file.
 */
export interface RejectsFile {
  add(reject: RejectedRow): void;
  /** Puts the file in place; returns its path, or null when nothing was rejected. */
  close(): string | null;
  discard(): void;
}

export function openRejectsFile(path: string, columns: readonly string[]): RejectsFile {
  const temporary = `${path}.partial-${process.pid}`;
  let count = 0;
  // Errors name the path the user gave (or the default next to the file), never the temporary one.
  const guarded = (write: () => void) => {
    try {
      write();
    } catch (error) {
      throw FileError.from(error, path, 'write the rejects file');
    }
  };
  return {
    add(reject) {
      guarded(() => {
        if (count === 0) writeFileSync(temporary, toCsv([[...columns, ...REJECT_COLUMNS]]));
        const reason = reject.field === null ? reject.reason : `field "${reject.field}": ${reject.reason}`;
        appendFileSync(temporary, toCsv([[...reject.cells, String(reject.line), reason]]));
      });
      count++;
    },
    close() {
      if (count === 0) return null;
      guarded(() => renameSync(temporary, path));
      return path;
    },
    discard() {
      rmSync(temporary, { force: true });
    },
  };
}

/** Whether a CSV header is a rejects file's: its own columns, then `line` and `reason`. */
export function isRejectsHeader(names: readonly string[]): boolean {
  return names.length > REJECT_COLUMNS.length && REJECT_COLUMNS.every((c, i) => names[names.length - REJECT_COLUMNS.length + i]?.toLowerCase() === c);
}

/**
 * A rejects file read back as the records it holds: each row without its `line` and
 * `reason`, as CSV, or as the raw text it was (a JSON object, Prometheus lines, a row that
 * could not be split into cells). So "fix the rejects file and ingest it" works for every
 * format, and the rows keep the natural keys they would have had.
 */
export function unwrapRejects(stream: Readable): Readable {
  const rows = stream.pipe(parse({ bom: true, relax_column_count: true, relax_quotes: false }));
  return Readable.from(
    (async function* () {
      let width = 0;
      let raw = false;
      for await (const row of rows as AsyncIterable<string[]>) {
        const cells = row.slice(0, Math.max(0, row.length - REJECT_COLUMNS.length));
        if (width === 0) {
          width = cells.length;
          raw = width === 1 && RAW_COLUMNS.has((cells[0] ?? '').toLowerCase());
          if (!raw) yield toCsv([cells]);
        } else {
          yield raw || (cells.length === 1 && width > 1) ? `${cells[0] ?? ''}\n` : toCsv([cells]);
        }
      }
    })(),
    { objectMode: false },
  );
}
