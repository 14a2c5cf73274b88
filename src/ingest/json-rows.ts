import { InputError } from '../domain/errors.js';
import { jsonSplitter, JsonTooLong, type JsonRecord } from './json-records.js';
import type { IncrementalParser, ReadItem } from './reader.js';

/** What a JSON reader adds to the shared skeleton: its header, and how to read one record. */
export interface JsonRows {
  /** The file's name, for the empty-file and runaway-value errors. */
  name: string;
  /** The header item, from the keys of the first object (none when it is not one). */
  onHeader(keys: readonly string[]): ReadItem;
  /**
   * The records one JSON object holds (a usage API's page holds many), or why it cannot be
   * read; by default the object itself.
   */
  expand?: (value: Record<string, unknown>) => Record<string, unknown>[] | string;
  /** One record; `text` is its own JSON, which a reject keeps (and which reads back). */
  onRecord(line: number, record: Record<string, unknown>, text: string): ReadItem;
}

/**
 * The skeleton every JSON reader shares, as csv-rows.ts is for CSV: values from the splitter,
 * the header first, an unreadable value or one that is not an object rejected with its text,
 * a value that never ends and an empty file refused.
 */
export function jsonRowsParser(spec: JsonRows): IncrementalParser {
  const splitter = jsonSplitter();
  let started = false;
  const reject = (line: number, reason: string, text: string): ReadItem => ({ kind: 'reject', reject: { line, field: null, reason, cells: [text] } });
  const toItems = (records: JsonRecord[]): ReadItem[] => {
    const items: ReadItem[] = [];
    for (const record of records) {
      if (!started) {
        started = true;
        items.push(spec.onHeader('value' in record && isObject(record.value) ? Object.keys(record.value) : []));
      }
      if ('error' in record) {
        items.push(reject(record.line, record.error, record.raw));
        continue;
      }
      if (!isObject(record.value)) {
        items.push(reject(record.line, 'expected a JSON object', record.text));
        continue;
      }
      const parts = spec.expand ? spec.expand(record.value) : [record.value];
      if (typeof parts === 'string') {
        items.push(reject(record.line, parts, record.text));
        continue;
      }
      // A value of many records keeps each one's own text, so a reject holds only the one at fault
      // (a value that is its one record keeps the text it came as).
      for (const part of parts) {
        const text = part === record.value ? record.text : textOf(part);
        items.push(text === null ? reject(record.line, NESTED_TOO_DEEPLY, record.text) : spec.onRecord(record.line, part, text));
      }
    }
    return items;
  };
  const guard = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof JsonTooLong) throw new InputError(spec.name, error.line, null, error.message);
      throw error;
    }
  };
  return {
    push: (text) => guard(() => toItems(splitter.push(text))),
    end() {
      const last = guard(() => toItems(splitter.end()));
      if (!started) throw new InputError(spec.name, null, null, 'the file is empty: expected JSON objects');
      return last;
    },
  };
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Why a record nested past what JSON.stringify can walk is rejected (JSON.parse reads any depth). */
export const NESTED_TOO_DEEPLY = 'a value nested too deeply to read';

/** A record as JSON text; null when it is nested too deeply to write. */
function textOf(value: unknown): string | null {
  try {
    return JSON.stringify(value);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}
