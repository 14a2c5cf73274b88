import { renameSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { toCsv } from '../report/csv.js';
import type { RejectedRow } from './reader.js';

/**
 * Writes rejected rows as CSV: the file's own columns first (so a fixed file can be
 * ingested again), then `line` and `reason`. It is written to a temporary name and only
 * put in place when the batch ends, so a killed ingest leaves no half file.
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
  return {
    add(reject) {
      if (count === 0) writeFileSync(temporary, toCsv([[...columns, 'line', 'reason']]));
      const cells = [...reject.cells, ...Array(Math.max(0, columns.length - reject.cells.length)).fill('')];
      const reason = reject.field === null ? reject.reason : `field "${reject.field}": ${reject.reason}`;
      appendFileSync(temporary, toCsv([[...cells, String(reject.line), reason]]));
      count++;
    },
    close() {
      if (count === 0) return null;
      renameSync(temporary, path);
      return path;
    },
    discard() {
      rmSync(temporary, { force: true });
    },
  };
}
