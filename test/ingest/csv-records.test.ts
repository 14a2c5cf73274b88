import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { csvSplitter, MAX_RECORD_LINES, type CsvRecord } from '../../src/ingest/csv-records.js';
import { ROOT } from '../e2e/cli.js';

/** Splits text fed in pieces of `size` characters, as a stream would deliver it. */
function split(text: string, size = 7): CsvRecord[] {
  const splitter = csvSplitter();
  const out: CsvRecord[] = [];
  for (let i = 0; i < text.length; i += size) out.push(...splitter.push(text.slice(i, i + size)));
  out.push(...splitter.end());
  return out;
}
const cellsOf = (records: CsvRecord[]) => records.map((r) => ('cells' in r ? r.cells : `error: ${r.error}`));

const DATA = join(ROOT, 'fixtures/data');
const samples = ['focus', 'cloud', 'gateway', 'gpu'].flatMap((dir) =>
  readdirSync(join(DATA, dir)).filter((f) => f.endsWith('.csv')).map((f) => join(dir, f)),
);

describe('CSV splitter on the real public samples', () => {
  it('finds the samples', () => assert.ok(samples.length >= 15, samples.join(', ')));
  for (const sample of samples) {
    it(`${sample}: the same cells as csv-parse`, () => {
      const text = readFileSync(join(DATA, sample), 'utf8');
      const expected = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][];
      assert.deepEqual(cellsOf(split(text, 4096)), expected);
    });
  }
});

describe('CSV splitter', () => {
  it('agrees with csv-stringify for any cells, whatever the chunk size', () => {
    const cell = fc.oneof(fc.string(), fc.constantFrom('', '"', '""', ',', '\n', 'a,"b"', 'x\r\ny', ' lead', 'é€😀'));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 2, maxLength: 6 }), { minLength: 1, maxLength: 8 }), fc.integer({ min: 1, max: 50 }), (rows, size) => {
        // A record of one empty cell is a blank line, which readers skip; keep two cells or more.
        const text = stringify(rows, { record_delimiter: 'unix', quoted_match: /[\r\n]/ });
        assert.deepEqual(cellsOf(split(text, size)), rows.map((r) => r.map((c) => c.replace(/\r\n/g, '\n'))).map((r) => r));
      }),
      { numRuns: 400 },
    );
  });

  // line | text                         | record
  // 1    | a,b                          | [a, b]
  // 2    | (blank)                      | skipped
  // 3-4  | "multi\nline",x              | [multi\nline, x] at line 3
  // 5    | 1,"2"x                       | error at line 5
  // 6    | "never closed,3              | error at line 6 (after the limit, or at the end)
  // 7    | 4,5                          | [4, 5] at line 7
  it('numbers records by the line they start on, across blank lines, CRLF and quoted newlines', () => {
    const text = '\uFEFFa,b\r\n\r\n"multi\r\nline",x\r\n1,"2"x\r\n"never closed,3\r\n4,5';
    assert.deepEqual(split(text).map((r) => [r.line, 'cells' in r ? r.cells : r.error]), [
      [1, ['a', 'b']],
      [3, ['multi\nline', 'x']],
      [5, 'unreadable CSV: "x" after the closing quote of cell 2 (expected a comma)'],
      [6, 'a quoted cell is never closed'],
      [7, ['4', '5']],
    ]);
  });

  it(`gives up on an open quote after ${MAX_RECORD_LINES} lines and reads on from the next line`, () => {
    const lines = ['"runaway,1', ...Array.from({ length: MAX_RECORD_LINES + 50 }, (_, i) => `${i},x`)];
    const records = split(lines.join('\n'), 1000);
    assert.equal(records.length, lines.length);
    assert.deepEqual(records[0], { line: 1, error: 'a quoted cell is never closed', raw: '"runaway,1' });
    assert.deepEqual(records.at(-1), { line: lines.length, cells: [String(MAX_RECORD_LINES + 49), 'x'] });
  });

  it('keeps a quote inside an unquoted cell as a character, and a trailing comma as an empty cell', () => {
    assert.deepEqual(cellsOf(split('5" disk,b,\n')), [['5" disk', 'b', '']]);
  });
});
