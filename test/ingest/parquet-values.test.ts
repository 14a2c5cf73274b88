import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Decimal as BaseDecimal } from 'decimal.js';
import { cellText, isoFromUnits, isParquet, scaledText } from '../../src/ingest/parquet.js';

/** Wide enough for DECIMAL(38): the check must not round what it checks. */
const Decimal = BaseDecimal.clone({ precision: 80 });

describe('Parquet values as the text a CSV export holds', () => {
  const cases: [string, unknown, number | undefined, string][] = [
    ['null', null, undefined, ''],
    ['undefined (a column missing from a row group)', undefined, undefined, ''],
    ['a string as it is', ' a,b ', undefined, ' a,b '],
    ['a double: its shortest digits', 0.1, undefined, '0.1'],
    ['a tiny double in plain notation, not 1e-7', 1e-7, undefined, '0.0000001'],
    ['a huge double in plain notation', 1.5e21, undefined, '1500000000000000000000'],
    ['a negative double', -0.0041666667, undefined, '-0.0041666667'],
    ['NaN stays NaN, for the money parser to refuse', Number.NaN, undefined, 'NaN'],
    ['an INT64', 9007199254740993n, undefined, '9007199254740993'],
    ['a boolean', true, undefined, 'true'],
    ['bytes without a string annotation, as UTF-8', new TextEncoder().encode('Zürich'), undefined, 'Zürich'],
    ['a MAP as a JSON object', { team: 'search', env: 'prod' }, undefined, '{"team":"search","env":"prod"}'],
    ['a LIST of STRUCTs with an INT64', [{ key: 'n', value: 2n }], undefined, '[{"key":"n","value":"2"}]'],
    ['DECIMAL from INT32', 150, 2, '1.50'],
    ['DECIMAL from INT64', -123456789012345678n, 18, '-0.123456789012345678'],
    ['DECIMAL(38,18) bytes, past a double\'s 15 digits', Uint8Array.from(Buffer.from('0000000000000000ab54a98ceb1f0ad2', 'hex')), 18, '12.345678901234567890'],
    ['DECIMAL negative bytes (two\'s complement)', Uint8Array.from([0xff, 0x85]), 2, '-1.23'],
    ['DECIMAL with scale 0', 42n, 0, '42'],
  ];
  for (const [name, value, scale, expected] of cases) {
    it(name, () => assert.equal(cellText(value, scale), expected));
  }

  it('scaledText is the unscaled integer times 10^-scale, exactly (property)', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(10n ** 38n), max: 10n ** 38n }), fc.integer({ min: 0, max: 30 }), (value, scale) => {
      assert.ok(new Decimal(scaledText(value, scale)).equals(new Decimal(String(value)).dividedBy(new Decimal(10).pow(scale))));
    }));
  });
});

describe('Parquet times as ISO 8601 at the file\'s precision', () => {
  const cases: [string, bigint, number, string][] = [
    ['milliseconds', 1725148800123n, 3, '2024-09-01T00:00:00.123Z'],
    ['microseconds', 1725148800123456n, 6, '2024-09-01T00:00:00.123456Z'],
    ['nanoseconds', 1725148800000000001n, 9, '2024-09-01T00:00:00.000000001Z'],
    ['before 1970, rounded down to the second', -1n, 3, '1969-12-31T23:59:59.999Z'],
    ['whole days (DATE)', 19967n * 86400n, 0, '2024-09-01T00:00:00Z'],
    ['out of range: the number, for the date parser to refuse', 10n ** 30n, 3, '1000000000000000000000000000000'],
  ];
  for (const [name, value, digits, expected] of cases) it(name, () => assert.equal(isoFromUnits(value, digits), expected));
});

describe('Parquet detection by the first four bytes', () => {
  it('PAR1 is Parquet; text, gzip and a short file are not', () => {
    assert.equal(isParquet(Buffer.from('PAR1\x15\x04')), true);
    for (const head of ['BilledCost,', '\x1f\x8b\x08', 'PAR', '']) assert.equal(isParquet(Buffer.from(head, 'latin1')), false, head);
  });
});

describe('record paths walk own keys only', () => {
  it('a dotted path never reaches Object\'s prototype, and still matches a key in another letter case', async () => {
    const { recordView } = await import('../../src/ingest/record-reader.js');
    const view = recordView(new Map<string, unknown>([['metadata', { Team: 'search' }], ['product', '{"product_name": "Bedrock"}']]));
    assert.equal(view.value('metadata.constructor'), undefined);
    assert.equal(view.value('metadata.toString'), undefined);
    assert.equal(view.text('metadata.team'), 'search');
    assert.equal(view.text('product.product_name'), 'Bedrock');
  });
});
