import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { fitTable, type Column } from '../../src/report/table.js';
import { BUDGETS_VIEW } from '../../src/report/budgets.js';
import type { BudgetReport, BudgetStatus } from '../../src/domain/budgets.js';
import { Decimal } from '../../src/domain/money.js';

const COLUMNS: Column[] = [
  { head: 'id' },
  { head: 'name', drop: 2, shrink: true },
  { head: 'hash', drop: 1 },
  { head: 'note', drop: 3, shrink: true },
  { head: 'amount', align: 'right' },
];
const ROWS = [
  ['CC-1001', 'Search relevance and ranking', 'f3a9c0d1e2b4', 'a long free-text note that goes on', '12,345.67'],
  ['CC-2002', '検索チーム', '0123456789ab', '', '-0.01'],
];
const widths = (text: string) => text.split('\n').map((line) => stringWidth(line));

describe('tables fit the terminal (issue 18)', () => {
  it('shows every column when there is room, and says nothing was left out', () => {
    const text = fitTable({ columns: COLUMNS, rows: ROWS }, { colour: false, width: Infinity });
    for (const head of ['id', 'name', 'hash', 'note', 'amount']) assert.match(text, new RegExp(`│ +${head} `));
    assert.doesNotMatch(text, /not shown/);
  });

  it('drops columns in their stated order and names them', () => {
    const full = Math.max(...widths(fitTable({ columns: COLUMNS, rows: ROWS }, { colour: false, width: Infinity })));
    const text = fitTable({ columns: COLUMNS, rows: ROWS }, { colour: false, width: full - 1 });
    assert.doesNotMatch(text, /│ hash /);
    assert.match(text, /│ name /);
    assert.match(text, /not shown at \d+ columns: hash; --wide shows them/);
    const narrow = fitTable({ columns: COLUMNS, rows: ROWS }, { colour: false, width: 40 });
    assert.match(narrow.replaceAll('\n', ' '), /not shown at 40 columns: hash, name, note; --wide shows them/);
    assert.match(narrow, /12,345\.67/);
  });

  it('never writes a line wider than the terminal, whatever the cells and the width', () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'Z', '9', ' ', '-', 'é', '検', '€'), maxLength: 40 });
    fc.assert(fc.property(fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 6 }), fc.integer({ min: 20, max: 200 }), fc.boolean(), (rows, width, colour) => {
      const text = fitTable({ columns: COLUMNS, rows }, { colour, width });
      assert.ok(widths(text).every((w) => w <= width), `${width}: ${text}`);
    }), { numRuns: 300 });
  });

  it('keeps amounts whole: only shrink columns are cut', () => {
    const text = fitTable({ columns: COLUMNS, rows: ROWS }, { colour: false, width: 36 });
    assert.match(text, /12,345\.67/);
    assert.match(text, /-0\.01/);
  });
});

describe('tables never hide the status that needs action (issue 28)', () => {
  const report = (status: BudgetStatus, forecastStatus: BudgetStatus): BudgetReport => ({
    costCentre: 'CC-4100 Search relevance', monthly: new Decimal('8000'), spend: new Decimal('3000.5'), forecast: new Decimal('9100'),
    percentUsed: new Decimal('37.5'), status, forecastStatus, hard: true,
  });
  const cases: [BudgetStatus, BudgetStatus, string][] = [
    ['ok', 'exceeded', 'exceeded (forecast)'],
    ['ok', 'alert', 'alert (forecast)'],
    ['alert', 'exceeded', 'exceeded (forecast)'],
    ['exceeded', 'exceeded', 'exceeded'],
    ['alert', 'alert', 'alert'],
    ['ok', 'ok', 'ok'],
  ];
  for (const [status, forecast, shown] of cases) {
    it(`budgets shows "${shown}" for ${status} now and ${forecast} forecast, at any width`, () => {
      for (const width of [40, 60, 80, Infinity]) {
        const text = BUDGETS_VIEW.table!({ month: '2026-10', currency: 'USD', reports: [report(status, forecast)] }, { colour: false, width });
        assert.match(text, new RegExp(`│ ${shown.replace(/[()]/g, '\\$&')} +│`), `${width}: ${text}`);
      }
    });
  }
});
