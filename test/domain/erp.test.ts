import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { erpLines, formatDay, type ErpMapping } from '../../src/domain/erp.js';
import { documentCode, ERP_PROFILES, groupId } from '../../src/domain/erp-profiles.js';
import { journalOf, type JournalEntry } from '../../src/domain/journal.js';
import { Decimal } from '../../src/domain/money.js';
import { erpFiles } from '../../src/report/erp.js';
import { parse } from 'csv-parse/sync';
import { unzipSync, strFromU8 } from 'fflate';

const PLATFORM = { costCentre: 'CC-9000', glAccount: '6100' };
const MAPPING: ErpMapping = {
  ledger: 'US Primary Ledger', ledgerId: '300000046975971', company: '1010', journalSource: 'Chargeback', journalCategory: 'Allocation', taxRate: 'Tax Exempt', tracking: 'Cost centre',
  segments: [{ name: 'company', constant: '01' }, { field: 'cost_centre' }, { field: 'gl_account' }],
};

describe('ERP dates', () => {
  const cases: [string, string][] = [
    ['YYYY-MM-DD', '2026-10-31'], ['YYYY/MM/DD', '2026/10/31'], ['YYYYMMDD', '20261031'], ['MM/DD/YYYY', '10/31/2026'],
    ['DD/MM/YYYY', '31/10/2026'], ['DD.MM.YYYY', '31.10.2026'], ['DD MMM YYYY', '31 Oct 2026'], ['DD-MMM-YYYY', '31-Oct-2026'],
  ];
  for (const [format, expected] of cases) it(`${format} is ${expected}`, () => assert.equal(formatDay('2026-10-31', format), expected));
});

describe('ERP document ids', () => {
  it('are deterministic and short where the ERP needs them short', () => {
    assert.equal(documentCode('chargeback-run-12'), 'CB-R12');
    assert.equal(documentCode('chargeback-run-12-adjusts-11'), 'CB-R12-A11');
    assert.equal(groupId('chargeback-run-12'), '12');
    assert.equal(groupId('chargeback-run-12-adjusts-11'), '12011');
  });
});

/** A journal of `count` charges over a few pools, amounts of either sign, as journalOf writes it. */
const entries = (amounts: readonly number[]): JournalEntry[] => amounts.map((cents, i) => ({
  costCentre: `CC-${1000 + (i % 997)}`, costCentreName: '', pool: `pool-${i % 3}`, method: 'proportional', amount: new Decimal(cents).div(100),
}));
const journal = (amounts: readonly number[], document = 'chargeback-run-3') =>
  journalOf({ document, month: '2026-10', postingDate: '2026-10-31' }, entries(amounts), PLATFORM);

/** What each (centre, pool) is charged, signed, from lines read back in any sign convention. */
function charged(lines: readonly { centre: string; pool: string; amount: Decimal }[]): Map<string, string> {
  const sums = new Map<string, Decimal>();
  for (const l of lines) sums.set(`${l.centre}|${l.pool}`, (sums.get(`${l.centre}|${l.pool}`) ?? new Decimal(0)).plus(l.amount));
  return new Map([...sums].filter(([, v]) => !v.isZero()).map(([k, v]) => [k, v.toFixed(2)]));
}

describe('every profile, on random journals', () => {
  it('cuts a journal into parts that each balance, within the limit, adding up to the journal per centre and pool', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: -500_000, max: 5_000_000 }), { minLength: 1, maxLength: 60 }), fc.integer({ min: 2, max: 7 }), (amounts, limit) => {
      const lines = journal(amounts);
      const cut = erpLines(lines, MAPPING, PLATFORM.costCentre, limit);
      const parts = new Map<number, Decimal>();
      const sizes = new Map<number, number>();
      for (const l of cut) {
        parts.set(l.part, (parts.get(l.part) ?? new Decimal(0)).plus(l.amount));
        sizes.set(l.part, (sizes.get(l.part) ?? 0) + 1);
      }
      for (const [part, total] of parts) assert.ok(total.isZero(), `part ${part} is off by ${total.toFixed(2)}`);
      for (const size of sizes.values()) assert.ok(size <= limit);
      const asCharged = (ls: typeof lines) => charged(ls.filter((l) => !l.recovery).map((l) => ({ centre: l.costCentre, pool: l.pool, amount: l.debit.minus(l.credit) })));
      assert.deepEqual(asCharged(cut), asCharged(lines));
    }), { numRuns: 200 });
  });

  it('reads back, in each profile\'s own sign convention, to the journal per centre and pool; every part balances', () => {
    const readers: Record<string, (rows: string[][]) => { centre: string; pool: string; amount: Decimal }[]> = {
      sap: (rows) => rows.map((r) => ({ centre: r[10]!, pool: '', amount: new Decimal(r[8]!) })),
      xero: (rows) => rows.map((r) => ({ centre: r[7]!, pool: '', amount: new Decimal(r[5]!) })),
      netsuite: (rows) => rows.map((r) => ({ centre: r[9]!, pool: '', amount: new Decimal(r[6] || 0).minus(r[7] || 0) })),
      quickbooks: (rows) => rows.map((r) => ({ centre: r[7]!, pool: '', amount: new Decimal(r[3] || 0).minus(r[4] || 0) })),
      d365: (rows) => rows.map((r) => ({ centre: r[5]!.slice('01-'.length, -'-6100'.length), pool: '', amount: new Decimal(r[11]!).minus(r[12]!) })),
      workday: (rows) => rows.map((r) => ({ centre: r[13]!, pool: '', amount: new Decimal(r[9] || 0).minus(r[10] || 0) })),
      'oracle-fbdi': (rows) => rows.map((r) => ({ centre: r[9]!, pool: '', amount: new Decimal(r[38] || 0).minus(r[39] || 0) })),
    };
    assert.deepEqual(Object.keys(readers).sort(), Object.keys(ERP_PROFILES).sort(), 'a reader for every profile');
    fc.assert(fc.property(fc.array(fc.integer({ min: -500_000, max: 5_000_000 }), { minLength: 1, maxLength: 40 }), (amounts) => {
      const lines = journal(amounts);
      const expected = charged(lines.map((l) => ({ centre: l.costCentre, pool: '', amount: l.debit.minus(l.credit) })));
      for (const [name, read] of Object.entries(readers)) {
        const files = erpFiles(name, lines, { document: 'chargeback-run-3', month: '2026-10', currency: 'USD', mapping: MAPPING, platformCentre: PLATFORM.costCentre });
        const rows = files.flatMap((file) => {
          const text = file.inside ? strFromU8(unzipSync(file.bytes)[file.inside]!) : strFromU8(file.bytes);
          const all = parse(text) as string[][];
          return ERP_PROFILES[name]!.heads ? all.slice(1) : all;
        });
        const back = read(rows);
        assert.ok(sumOf(back).isZero(), `${name} does not balance`);
        assert.deepEqual(charged(back), expected, name);
      }
    }), { numRuns: 50 });
  });
});

const sumOf = (lines: readonly { amount: Decimal }[]) => lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));

describe('a journal past a profile\'s limit (issue 32 split test)', () => {
  const big = journal(Array.from({ length: 2_500 }, (_, i) => 100 + i), 'chargeback-run-7');
  it('sap: documents of at most 999 lines, each balancing, numbered', () => {
    const [file] = erpFiles('sap', big, { document: 'chargeback-run-7', month: '2026-10', currency: 'USD', mapping: MAPPING, platformCentre: PLATFORM.costCentre });
    const rows = (parse(strFromU8(file!.bytes)) as string[][]).slice(1);
    const documents = new Map<string, Decimal[]>();
    for (const row of rows) documents.set(row[4]!, [...(documents.get(row[4]!) ?? []), new Decimal(row[8]!)]);
    assert.deepEqual([...documents.keys()], ['CB-R7/1', 'CB-R7/2', 'CB-R7/3']);
    for (const [document, amounts] of documents) {
      assert.ok(amounts.length <= 999, `${document}: ${amounts.length} lines`);
      assert.ok(sumOf(amounts.map((amount) => ({ amount }))).isZero(), `${document} does not balance`);
    }
    assert.equal(rows.length, 2_500 + 3, 'a recovery line per pool: each pool fits in a document');
  });

  it('xero: files of at most 300 lines, each balancing', () => {
    const files = erpFiles('xero', big, { document: 'chargeback-run-7', month: '2026-10', currency: 'USD', mapping: MAPPING, platformCentre: PLATFORM.costCentre });
    assert.ok(files.length >= 9);
    files.forEach((file, i) => {
      const rows = (parse(strFromU8(file.bytes)) as string[][]).slice(1);
      assert.equal(file.part, i + 1);
      assert.ok(rows.length <= 300, `file ${file.part}: ${rows.length} lines`);
      assert.ok(sumOf(rows.map((r) => ({ amount: new Decimal(r[5]!) }))).isZero(), `file ${file.part} does not balance`);
      assert.ok(rows.every((r) => r[0] === `chargeback-run-7/${file.part}`));
    });
  });
});

describe('the columns profile (the card\'s own layout)', () => {
  it('writes each column from its field or constant, dates in the column\'s format, with the card\'s heads', () => {
    const mapping: ErpMapping = { ...MAPPING, columns: [
      { head: 'Journal', field: 'document' }, { head: 'Date', field: 'date', format: 'DD.MM.YYYY' }, { head: 'Account', field: 'account' },
      { head: 'CostCentre', field: 'cost_centre' }, { head: 'Amount', field: 'amount' }, { head: 'Type', constant: 'GL' },
    ] };
    const [file] = erpFiles('columns', journal([12_345, -2_000]), { document: 'chargeback-run-3', month: '2026-10', currency: 'USD', mapping, platformCentre: PLATFORM.costCentre });
    assert.equal(strFromU8(file!.bytes), [
      'Journal,Date,Account,CostCentre,Amount,Type',
      'chargeback-run-3,31.10.2026,01-CC-1000-6100,CC-1000,123.45,GL',
      'chargeback-run-3,31.10.2026,01-CC-9000-6100,CC-9000,-123.45,GL',
      'chargeback-run-3,31.10.2026,01-CC-1001-6100,CC-1001,-20.00,GL',
      'chargeback-run-3,31.10.2026,01-CC-9000-6100,CC-9000,20.00,GL',
      '',
    ].join('\n'));
  });
});

describe('values past the ERP\'s limits', () => {
  it('a Dynamics 365 dimension value over 30 characters is refused, naming the line and the segment, never cut', () => {
    const long = 'C'.repeat(31);
    const mapping: ErpMapping = { ...MAPPING, costCentreCodes: { 'CC-1000': long, 'CC-9000': '9000' } };
    assert.throws(() => erpFiles('d365', journal([100]), { document: 'chargeback-run-3', month: '2026-10', currency: 'USD', mapping, platformCentre: PLATFORM.costCentre }),
      { name: 'UsageError', message: `export erp --profile d365: journal line 1, segment 2: "${long}" is 31 characters, the ERP takes at most 30` });
  });
});

describe('a journal with nothing to post', () => {
  it('is one file holding the header alone, in a profile that splits files too', () => {
    for (const profile of ['xero', 'netsuite', 'sap']) {
      const files = erpFiles(profile, [], { document: 'chargeback-run-3', month: '2026-10', currency: 'USD', mapping: MAPPING, platformCentre: PLATFORM.costCentre });
      assert.equal(files.length, 1, profile);
      assert.equal(strFromU8(files[0]!.bytes).split('\n').filter(Boolean).length, 1, profile);
    }
  });
});
