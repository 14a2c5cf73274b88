import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { FileError } from '../domain/errors.js';
import { redactKeyLike } from '../secrets.js';
import { safeText, toCsv, unescapeText } from '../csv-text.js';
import { destinationOf, putInPlace, removeStaleTemporaries, temporaryName, type Destination } from '../temporary-files.js';
import type { Reader, RejectedRow } from './reader.js';

/** The columns a rejects file adds after a row's own cells. */
const REJECT_COLUMNS = ['line', 'reason'] as const;
/** The one column of a rejects file whose records are not CSV rows (JSON objects, Prometheus samples). */
const RAW_COLUMNS = new Set(['record', 'sample', 'capture']);

/**
 * Writes rejected rows as CSV: each row's own cells verbatim (never padded or cut, so a
 * fixed file reads as the original did) but for raw API keys (see redactorFor), then
 * `line` and `reason`, every cell escaped against formulas the one way all our CSVs are
 * (safeText). Readable by its owner only (0600). It is written to a temporary name and only
 * put in place when the batch ends, so a killed ingest leaves no half file.
 */
export interface RejectsFile {
  add(reject: RejectedRow): void;
  /** Puts the file in place; returns its path, or null when nothing was rejected. */
  close(): string | null;
  discard(): void;
}

export function openRejectsFile(path: string, columns: readonly string[], temporaries?: Set<string>): RejectsFile {
  let destination: Destination = { kind: 'replace', path };
  guardedWrite(path, () => (destination = destinationOf(path)));
  // A FIFO or a device gets the whole file at the end; its temporary never sits beside it (in /dev).
  const local = destination.kind === 'replace' ? destination.path : join(tmpdir(), `chargeback-rejects-${basename(path)}`);
  removeStaleTemporaries(local);
  const temporary = temporaryName(local);
  temporaries?.add(temporary);
  let count = 0;
  const guarded = (write: () => void) => guardedWrite(path, write);
  return {
    add(reject) {
      guarded(() => {
        if (count === 0) writeFileSync(temporary, toCsv([[...columns, ...REJECT_COLUMNS].map(safeText)]), { mode: 0o600 });
        const reason = reject.field === null ? reject.reason : `field "${reject.field}": ${reject.reason}`;
        appendFileSync(temporary, toCsv([[...reject.cells, String(reject.line), reason].map(safeText)]));
      });
      count++;
    },
    close() {
      temporaries?.delete(temporary);
      if (count === 0) return null;
      guarded(() => putInPlace(temporary, destination));
      return path;
    },
    discard() {
      temporaries?.delete(temporary);
      rmSync(temporary, { force: true });
    },
  };
}

/** Errors name the path the user gave (or the default next to the file), never the temporary one. */
function guardedWrite(path: string, write: () => void): void {
  try {
    write();
  } catch (error) {
    throw FileError.from(error, path, 'write the rejects file');
  }
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
        const cells = row.slice(0, Math.max(0, row.length - REJECT_COLUMNS.length)).map(unescapeText);
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

/**
 * What a reject may show of a row that holds a raw API key (issue 13): the key in the form
 * the reader keeps it (a fingerprint, which a re-ingest matches as it is), in its cells and
 * in its reason. CSV rows are redacted by column; JSON records (and rows that could not be
 * split) by the key's name or position in their text, the rest of which stays verbatim.
 */
export function redactorFor(reader: Reader, header: readonly string[]): (reject: RejectedRow) => RejectedRow {
  const byColumn = keyColumnsRedactor(reader, header);
  // Then any key-shaped text left anywhere: a key in a column the reader did not expect one in.
  return (reject) => {
    const redacted = byColumn(reject);
    const cells = redacted.cells.map(redactKeyLike);
    const reason = redactKeyLike(redacted.reason);
    return cells.every((cell, i) => cell === redacted.cells[i]) && reason === redacted.reason ? redacted : { ...redacted, cells, reason };
  };
}

/** Keys in the columns the reader reads keys from, and those same keys wherever else they appear. */
function keyColumnsRedactor(reader: Reader, header: readonly string[]): (reject: RejectedRow) => RejectedRow {
  const secrets = reader.secrets;
  if (!secrets) return (reject) => reject;
  const names = new Set(secrets.fields.map((f) => f.toLowerCase()));
  const columns = header.flatMap((h, i) => (names.has(h.trim().toLowerCase()) ? [i] : []));
  return (reject) => {
    const found = new Map<string, string>();
    const keep = (cell: string) => {
      const value = cell.trim();
      const kept = value === '' ? value : secrets.keep(value);
      if (kept !== value) found.set(value, kept);
      return kept === value ? cell : kept;
    };
    let cells = reject.cells;
    if (reader.shape === 'json') {
      cells = cells.map((text) => text.replace(JSON_STRING_MEMBER, (member, name: string, literal: string) => {
        if (!names.has(name.toLowerCase())) return member;
        const value = JSON.parse(`"${literal}"`) as string;
        return member.replace(`"${literal}"`, JSON.stringify(keep(value)));
      }));
    } else if (cells.length === 1 && header.length > 1) {
      const pieces = (cells[0] ?? '').split(',');
      for (const i of columns) if (pieces[i] !== undefined) keep(pieces[i]!);
      cells = [replaceEach(cells[0] ?? '', found)];
    } else {
      cells = cells.map((cell, i) => (columns.includes(i) ? keep(cell) : cell));
      // A key may also sit in another column of a shifted or hostile row.
      cells = cells.map((cell) => (found.has(cell.trim()) ? found.get(cell.trim())! : replaceEach(cell, found)));
    }
    return found.size === 0 ? reject : { ...reject, cells, reason: replaceEach(reject.reason, found) };
  };
}

/** `"name": "value"` inside JSON text, the value a string literal. */
const JSON_STRING_MEMBER = /"((?:[^"\\]|\\.)*)"\s*:\s*"((?:[^"\\]|\\.)*)"/g;

/** Replaces each key inside a text; a key too short to be a secret's whole is only replaced as a whole cell. */
function replaceEach(text: string, replacements: ReadonlyMap<string, string>): string {
  let out = text;
  for (const [from, to] of replacements) if (from.length >= MIN_SECRET_LENGTH) out = out.split(from).join(to);
  return out;
}

/** Real API keys are long; replacing a two-letter "key" inside other text would garble it. */
const MIN_SECRET_LENGTH = 8;
