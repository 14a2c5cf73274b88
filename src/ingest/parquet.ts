import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema, type FileMetaData, type SchemaElement } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { Decimal } from '../domain/money.js';
import { InputError } from '../domain/errors.js';

/**
 * Parquet input (issue 15), read with hyparquet: pure JavaScript, no dependencies, and in
 * the benchmark of the commit that added it the fastest and smallest of hyparquet,
 * @dsnp/parquetjs and parquet-wasm. A file is read one row group at a time, column by
 * column, and handed on as rows of cell text, so that the readers of CSV exports read it
 * unchanged: the cells are what the same export written as CSV would hold.
 */

/** Every Parquet file starts (and ends) with these four bytes. */
const MAGIC = [0x50, 0x41, 0x52, 0x31];

export function isParquet(head: Uint8Array): boolean {
  return MAGIC.every((byte, i) => head[i] === byte);
}

/** Rows handed on at a time: a row group can hold a million rows, a slice stays small. */
const SLICE_ROWS = 4096;

export interface ParquetRows {
  /** The top-level column names, as a CSV header would list them. */
  names: string[];
  /** The rows as cell text, in file order, `first` being the 1-based number of the first. */
  slices(): AsyncIterable<{ first: number; rows: string[][] }>;
}

/** Opens a Parquet file by path: its footer is read now, its rows when `slices` runs. */
export async function openParquet(path: string, name: string): Promise<ParquetRows> {
  const damaged = (error: unknown) => new InputError(name, null, null, `not a readable Parquet file (${(error as Error).message}); nothing was stored`);
  const file = await asyncBufferFromFile(path).catch((error: unknown) => Promise.reject(damaged(error)));
  let metadata: FileMetaData;
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (error) {
    throw damaged(error);
  }
  const top = parquetSchema(metadata).children.map((c) => c.element);
  const { exact, scales } = exactDecimals(metadata, top);
  const names = top.map((e) => e.name);
  return {
    names,
    async *slices() {
      let groupStart = 0;
      for (const group of metadata.row_groups) {
        const count = Number(group.num_rows);
        const columns = await readGroup(exact, groupStart, count).catch((error: unknown) => Promise.reject(damaged(error)));
        for (let from = 0; from < count; from += SLICE_ROWS) {
          const rows: string[][] = [];
          for (let i = from; i < Math.min(count, from + SLICE_ROWS); i++) {
            rows.push(names.map((n) => cellText(columns.get(n)?.[i], scales.get(n))));
          }
          yield { first: groupStart + from + 1, rows };
        }
        groupStart += count;
      }
    },
  };

  /** One row group's columns as arrays of the group's length, whatever chunks they came in. */
  async function readGroup(metadataRead: FileMetaData, start: number, count: number): Promise<Map<string, unknown[]>> {
    const columns = new Map<string, unknown[]>();
    await parquetRead({
      file, metadata: metadataRead, compressors, rowStart: start, rowEnd: start + count, utf8: false, parsers: PARSERS,
      onChunk({ columnName, columnData, rowStart }) {
        let column = columns.get(columnName);
        if (!column) columns.set(columnName, (column = new Array<unknown>(count)));
        for (let i = Math.max(start, rowStart); i < Math.min(start + count, rowStart + columnData.length); i++) column[i - start] = columnData[i - rowStart];
      },
    });
    return columns;
  }
}

/**
 * hyparquet turns DECIMAL into a float, which rounds past 15 digits. The top-level DECIMAL
 * columns (money) are therefore read as their unscaled integers and scaled here, exactly:
 * the metadata handed to the reader has their annotation removed, and `scales` keeps it.
 */
function exactDecimals(metadata: FileMetaData, top: readonly SchemaElement[]): { exact: FileMetaData; scales: Map<string, number> } {
  const decimals = new Set(top.filter((e) => e.converted_type === 'DECIMAL' || e.logical_type?.type === 'DECIMAL'));
  const scales = new Map([...decimals].map((e) => [e.name, e.scale ?? (e.logical_type?.type === 'DECIMAL' ? e.logical_type.scale : 0)]));
  const schema = metadata.schema.map((e) => (decimals.has(e) ? { ...e, converted_type: undefined, logical_type: undefined } : e));
  return { exact: { ...metadata, schema }, scales };
}

/** Times as ISO 8601 text at the file's own precision, dates as `YYYY-MM-DD`. */
const PARSERS = {
  timestampFromMilliseconds: (value: bigint) => isoFromUnits(value, 3),
  timestampFromMicroseconds: (value: bigint) => isoFromUnits(value, 6),
  timestampFromNanoseconds: (value: bigint) => isoFromUnits(value, 9),
  dateFromDays: (days: number) => isoFromUnits(BigInt(days) * 86_400n, 0).slice(0, 10),
};

/** `value` in units of 10^-digits seconds since 1970 as ISO 8601 UTC; out of range: the number. */
export function isoFromUnits(value: bigint, digits: number): string {
  const perSecond = 10n ** BigInt(digits);
  const seconds = value >= 0n ? value / perSecond : -((-value + perSecond - 1n) / perSecond);
  const date = new Date(Number(seconds) * 1000);
  if (!Number.isFinite(date.getTime())) return String(value);
  const fraction = digits === 0 ? '' : `.${String(value - seconds * perSecond).padStart(digits, '0')}`;
  return `${date.toISOString().slice(0, 19)}${fraction}Z`;
}

const utf8 = new TextDecoder();

/** One value as the text a CSV export would hold: empty for null, exact for numbers. */
export function cellText(value: unknown, scale?: number): string {
  if (value === null || value === undefined) return '';
  if (scale !== undefined) return scaledText(unscaled(value), scale);
  if (typeof value === 'string') return value;
  // A double's shortest round-trip digits, in plain notation: what the CSV export prints.
  if (typeof value === 'number') return Number.isFinite(value) ? new Decimal(value).toFixed() : String(value);
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value instanceof Uint8Array) return utf8.decode(value);
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v));
}

/** A DECIMAL's unscaled integer: INT32, INT64 or big-endian two's complement bytes. */
function unscaled(value: unknown): bigint {
  if (typeof value === 'number' || typeof value === 'bigint') return BigInt(value);
  const bytes = value as Uint8Array;
  let result = 0n;
  for (const byte of bytes) result = (result << 8n) | BigInt(byte);
  return bytes.length > 0 && (bytes[0]! & 0x80) !== 0 ? result - (1n << BigInt(bytes.length * 8)) : result;
}

/** `unscaled` × 10^-scale as plain decimal text. */
export function scaledText(value: bigint, scale: number): string {
  const sign = value < 0n ? '-' : '';
  const digits = String(value < 0n ? -value : value);
  if (scale <= 0) return `${sign}${digits}${'0'.repeat(-scale)}`;
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}
