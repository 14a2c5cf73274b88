import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDecimal } from '../../src/domain/money.js';
import { parseBillingDate } from '../../src/ingest/billing/values.js';
import { csvSplitter } from '../../src/ingest/csv-records.js';
import { parseInstant, parseTimestamp } from '../../src/ingest/values.js';

describe('limits on what is read (issue 13)', () => {
  const instants: [string, number | null][] = [
    ['2026-10-01T00:00:00Z', Date.UTC(2026, 9, 1)],
    ['0001-10-01T00:00:00Z', null],
    ['0001-10-01T00:00:00+00:00', null],
    ['1969-12-31T23:59:59Z', null],
    ['2200-01-01T00:00:00Z', null],
    ['2026-10-01T00:00:00+99:99', null],
    ['2026-10-01T00:00:00+14:00', Date.UTC(2026, 8, 30, 10)],
    ['2026-10-01T00:00:00-12:30', Date.UTC(2026, 9, 1, 12, 30)],
    ['2026-10-01T00:00:00+15:00', null],
    ['99999999999', null],
  ];
  for (const [text, expected] of instants) {
    it(`instant ${text} → ${expected === null ? 'refused' : new Date(expected).toISOString()}`, () => {
      assert.equal(parseInstant(text), expected);
      assert.equal(parseTimestamp(text), expected);
      if (text.includes('-') && !text.startsWith('9')) assert.equal(parseBillingDate(text), expected);
    });
  }

  const decimals: [string, string | null][] = [
    ['12.34', '12.34'], ['1e9999999999999999', null], ['1e29', `1${'0'.repeat(29)}`], ['1e30', null], ['1e-40', `0.${'0'.repeat(39)}1`], ['1e-41', null],
    [`1${'0'.repeat(70)}`, null], ['-0.5', '-0.5'], ['0e99999', null],
  ];
  for (const [text, expected] of decimals) {
    it(`decimal ${text.slice(0, 24)} → ${expected ?? 'refused'}`, () => assert.equal(parseDecimal(text)?.toFixed() ?? null, expected));
  }

  it('splits CR-only, CR LF and LF lines alike, a CR LF split across chunks included', () => {
    for (const chunks of [['a,b\rc,d\r'], ['a,b\r\nc,d\r\n'], ['a,b\r', '\nc,d\r', '\n'], ['a,b\nc,d\n']]) {
      const splitter = csvSplitter();
      const records = [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
      assert.deepEqual(records, [{ line: 1, cells: ['a', 'b'] }, { line: 2, cells: ['c', 'd'] }], JSON.stringify(chunks));
    }
  });
});
