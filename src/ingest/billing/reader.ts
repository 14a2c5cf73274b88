import { InputError } from '../../domain/errors.js';
import { csvSplitter, type CsvRecord } from '../csv-records.js';
import { recordView, RowProblem } from '../record-reader.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from '../reader.js';
import type { BillingFormat } from './format.js';

/** The reader of a billing CSV export: header-driven, so any column order works. */
export function billingReader(format: BillingFormat): Reader {
  return {
    format: format.format,
    source: 'billing',
    shape: 'csv',
    dateField: format.dateField,
    detect: (names) => format.detect(names),
    parser: (options) => parser(format, options),
  };
}

function parser(format: BillingFormat, { name, dateOrder, currency }: ReadOptions): IncrementalParser {
  const splitter = csvSplitter();
  const options = { dateOrder: dateOrder ?? 'mdy', ...(currency ? { currency } : {}) } as const;
  let header: string[] | null = null;
  let original: string[] = [];
  const toItem = (record: CsvRecord): ReadItem => {
    if ('error' in record) return { kind: 'reject', reject: { line: record.line, field: null, reason: record.error, cells: [record.raw] } };
    if (!header) {
      original = record.cells.map((c) => c.trim());
      header = original.map((c) => c.toLowerCase());
      const reads = new Set(format.reads(header));
      return { kind: 'header', columns: record.cells, ignored: original.filter((_, i) => !reads.has(header![i]!)) };
    }
    if (record.cells.length !== header.length) {
      return { kind: 'reject', reject: { line: record.line, field: null, reason: `expected ${header.length} cells, got ${record.cells.length}`, cells: record.cells } };
    }
    const cells = record.cells;
    const row = recordView(new Map(header.map((h, i) => [h, (cells[i] ?? '').trim()])), original);
    try {
      const raw = JSON.stringify(original.map((name, i) => [name, (cells[i] ?? '').trim()]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)));
      const billing = format.toRecord(row, options);
      if (billing.periodEndMs < billing.periodStartMs) throw new RowProblem(format.dateField, 'the charge period ends before it starts');
      return { kind: 'billing', line: record.line, record: billing, row: raw, cells };
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      return { kind: 'reject', reject: { line: record.line, field: error.field, reason: error.message, cells } };
    }
  };
  return {
    push: (text) => splitter.push(text).map(toItem),
    end() {
      const last = splitter.end().map(toItem);
      if (!header) throw new InputError(name, null, null, 'the file is empty: expected a header line');
      return last;
    },
  };
}
