import { csvRowsParser } from '../csv-rows.js';
import { englishName } from '../header-names.js';
import { jsonRowsParser } from '../json-rows.js';
import { recordView, RowProblem, type RecordView } from '../record-reader.js';
import type { ReadItem, Reader, ReadOptions, RowReading } from '../reader.js';
import type { BillingFormat, BillingOptions } from './format.js';

/** A billing format published as JSON pages (a provider's cost API): how a page becomes flat records. */
export interface JsonBillingFormat extends BillingFormat {
  /** The flat records of one JSON value, or why the whole value cannot be read. */
  expand(value: Record<string, unknown>): Record<string, unknown>[] | string;
}

/**
 * The reader of a billing export, header-driven so any column order works. CSV and Parquet
 * are read as rows of named cells; a JSON format's pages are expanded into flat records,
 * each read as a row is (its key is its line id, so a re-pull stores nothing twice).
 */
export function billingReader(format: BillingFormat | JsonBillingFormat): Reader {
  const common = { format: format.format, source: 'billing', dateField: format.dateField, detect: (names: readonly string[]) => format.detect(names) } as const;
  if ('expand' in format) return { ...common, shape: 'json', parser: (options) => jsonRowsParser({ name: options.name, ...billingJson(format, options) }) };
  return {
    ...common,
    shape: 'csv',
    parser: (options) => csvRowsParser({ name: options.name, ...billingRows(format, options) }),
    rows: (options) => billingRows(format, options),
  };
}

const optionsOf = ({ dateOrder, currency }: ReadOptions): BillingOptions => ({ dateOrder: dateOrder ?? 'mdy', ...(currency ? { currency } : {}) });

/** One billing row read by the format: a billing item, or a reject naming the field. */
function billingItem(format: BillingFormat, options: BillingOptions, line: number, row: RecordView, raw: string, cells: readonly string[]): ReadItem {
  try {
    const billing = format.toRecord(row, options);
    if (billing.periodEndMs < billing.periodStartMs) throw new RowProblem(format.dateField, 'the charge period ends before it starts');
    return { kind: 'billing', line, record: billing, row: raw, cells };
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    return { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells } };
  }
}

/** Entries sorted by name, as JSON: what a record without a line id is keyed by. */
const sortedJson = (entries: [string, unknown][]) => JSON.stringify(entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

function billingRows(format: BillingFormat, readOptions: ReadOptions): RowReading {
  const options = optionsOf(readOptions);
  let header: string[] = [];
  let original: string[] = [];
  return {
    onHeader(cells) {
      original = cells.map(englishName);
      header = original.map((c) => c.toLowerCase());
      const reads = new Set(format.reads(header));
      return { kind: 'header', columns: cells, ignored: original.filter((_, i) => !reads.has(header[i]!)) };
    },
    onRow(line, cells) {
      const row = recordView(new Map(header.map((h, i) => [h, (cells[i] ?? '').trim()])), original);
      return billingItem(format, options, line, row, sortedJson(original.map((n, i) => [n, (cells[i] ?? '').trim()])), cells);
    },
  };
}

function billingJson(format: JsonBillingFormat, readOptions: ReadOptions) {
  const options = optionsOf(readOptions);
  return {
    onHeader: (): ReadItem => ({ kind: 'header', columns: ['record'], ignored: [] }),
    expand: (value: Record<string, unknown>) => format.expand(value),
    onRecord: (line: number, record: Record<string, unknown>, text: string) =>
      billingItem(format, options, line, recordView(new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]))), sortedJson(Object.entries(record)), [text]),
  };
}
