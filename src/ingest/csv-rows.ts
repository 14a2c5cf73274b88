import { InputError } from '../domain/errors.js';
import { csvSplitter, type CsvRecord } from './csv-records.js';
import type { IncrementalParser, ReadItem, RowReading } from './reader.js';

/** What a CSV reader adds to the shared skeleton: how to read its header and one row. */
export interface CsvRows extends RowReading {
  /** The file's name, for the empty-file error. */
  name: string;
  /** The header when the file has none (nvidia-smi's `noheader` with --columns): the first record is then data. */
  givenHeader?: readonly string[];
  /** What an empty file lacks, for its error ("a header line"). */
  expected?: string;
}

/**
 * The skeleton every CSV reader shares (issue 14): records from the splitter, the header
 * first, an unreadable record or a row of the wrong width rejected with its text, and an
 * empty file refused. A reader says only how to read its header and its rows.
 */
export function csvRowsParser(spec: CsvRows): IncrementalParser {
  const splitter = csvSplitter();
  let width = -1;
  const toItems = (records: CsvRecord[]): ReadItem[] => {
    const items: ReadItem[] = [];
    for (const record of records) {
      if ('error' in record) {
        items.push({ kind: 'reject', reject: { line: record.line, field: null, reason: record.error, cells: [record.raw] } });
        continue;
      }
      if (width < 0) {
        const header = spec.givenHeader ? [...spec.givenHeader] : record.cells;
        items.push(spec.onHeader(header));
        width = header.length;
        if (!spec.givenHeader) continue;
      }
      items.push(record.cells.length === width
        ? spec.onRow(record.line, record.cells)
        : { kind: 'reject', reject: { line: record.line, field: null, reason: `expected ${width} cells, got ${record.cells.length}`, cells: record.cells } });
    }
    return items;
  };
  return {
    push: (text) => toItems(splitter.push(text)),
    end() {
      const last = toItems(splitter.end());
      if (width < 0) throw new InputError(spec.name, null, null, `the file is empty: expected ${spec.expected ?? 'a header line'}`);
      return last;
    },
  };
}
