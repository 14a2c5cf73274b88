import { InputError } from '../../domain/errors.js';
import { jsonSplitter, JsonTooLong, type JsonRecord } from '../json-records.js';
import { recordView, RowProblem } from '../record-reader.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from '../reader.js';
import type { BillingFormat } from './format.js';

/** A billing format published as JSON pages (a provider's cost API): how a page becomes flat records. */
export interface JsonBillingFormat extends BillingFormat {
  /** The flat records of one JSON value, or why the whole value cannot be read. */
  expand(value: Record<string, unknown>): Record<string, unknown>[] | string;
}

/**
 * The reader of a JSON billing export: each top-level value is expanded into flat records,
 * each read by the format as a billing row would be. A record is keyed by its line id (the
 * bucket and group-by values), so re-pulling a window stores nothing twice; a reject keeps
 * the flat record's JSON, which reads back as it is.
 */
export function billingJsonReader(format: JsonBillingFormat): Reader {
  return {
    format: format.format,
    source: 'billing',
    shape: 'json',
    dateField: format.dateField,
    detect: (names) => format.detect(names),
    parser: (options) => parser(format, options),
  };
}

function parser(format: JsonBillingFormat, { name, dateOrder, currency }: ReadOptions): IncrementalParser {
  const options = { dateOrder: dateOrder ?? 'mdy', ...(currency ? { currency } : {}) } as const;
  const splitter = jsonSplitter();
  let started = false;
  const reject = (line: number, field: string | null, reason: string, raw: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells: [raw] } });
  const toItems = (records: JsonRecord[]): ReadItem[] => {
    const items: ReadItem[] = [];
    for (const record of records) {
      if (!started) {
        started = true;
        items.push({ kind: 'header', columns: ['record'], ignored: [] });
      }
      if ('error' in record) {
        items.push(reject(record.line, null, record.error, record.raw));
        continue;
      }
      const value = record.value;
      const parts = typeof value === 'object' && value !== null && !Array.isArray(value) ? format.expand(value as Record<string, unknown>) : 'expected a JSON object';
      if (typeof parts === 'string') {
        items.push(reject(record.line, null, parts, record.text));
        continue;
      }
      for (const part of parts) {
        const text = JSON.stringify(part);
        try {
          const view = recordView(new Map(Object.entries(part).map(([k, v]) => [k.toLowerCase(), v])));
          const billing = format.toRecord(view, options);
          if (billing.periodEndMs < billing.periodStartMs) throw new RowProblem(format.dateField, 'the charge period ends before it starts');
          const row = JSON.stringify(Object.entries(part).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
          items.push({ kind: 'billing', line: record.line, record: billing, row, cells: [text] });
        } catch (error) {
          if (!(error instanceof RowProblem)) throw error;
          items.push(reject(record.line, error.field, error.message, text));
        }
      }
    }
    return items;
  };
  const guard = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof JsonTooLong) throw new InputError(name, error.line, null, error.message);
      throw error;
    }
  };
  return {
    push: (text) => guard(() => toItems(splitter.push(text))),
    end() {
      const last = guard(() => toItems(splitter.end()));
      if (!started) throw new InputError(name, null, null, 'the file is empty: expected JSON objects');
      return last;
    },
  };
}
