import { csvRowsParser } from '../csv-rows.js';
import { englishName } from '../header-names.js';
import { recordView, RowProblem } from '../record-reader.js';
import type { Reader, ReadOptions, RowReading } from '../reader.js';
import type { BillingFormat } from './format.js';

/**
 * The reader of a billing export: header-driven, so any column order works, and read from
 * rows of named cells, so a CSV file and a Parquet file of the same export read alike.
 */
export function billingReader(format: BillingFormat): Reader {
  return {
    format: format.format,
    source: 'billing',
    shape: 'csv',
    dateField: format.dateField,
    detect: (names) => format.detect(names),
    parser: (options) => csvRowsParser({ name: options.name, ...billingRows(format, options) }),
    rows: (options) => billingRows(format, options),
  };
}

function billingRows(format: BillingFormat, { dateOrder, currency }: ReadOptions): RowReading {
  const options = { dateOrder: dateOrder ?? 'mdy', ...(currency ? { currency } : {}) } as const;
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
      try {
        const raw = JSON.stringify(original.map((n, i) => [n, (cells[i] ?? '').trim()]).sort(([a], [b]) => (a! < b! ? -1 : a! > b! ? 1 : 0)));
        const billing = format.toRecord(row, options);
        if (billing.periodEndMs < billing.periodStartMs) throw new RowProblem(format.dateField, 'the charge period ends before it starts');
        return { kind: 'billing', line, record: billing, row: raw, cells };
      } catch (error) {
        if (!(error instanceof RowProblem)) throw error;
        return { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells } };
      }
    },
  };
}
