import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { wantsColour, type GlobalOptions, type Io } from '../../src/cli/context.js';
import { Decimal } from '../../src/domain/money.js';
import { statementAsTable } from '../../src/report/showback.js';
import { statementAsCsv } from '../../src/report/statement.js';

const io = (stdoutIsTTY: boolean, env: Record<string, string> = {}): Io => ({
  stdout: () => {}, stderr: () => {}, stdin: Readable.from([]), env, now: () => new Date(0), stdoutIsTTY, stderrIsTTY: stdoutIsTTY,
});

const line = (costCentre: string, method: string, amount: string, name = '') => ({
  costCentre, costCentreName: name, pool: 'p', method, driver: 'tokens',
  quantity: method === 'idle' ? null : new Decimal('1234567.5'), unitPrice: null, amount: new Decimal(amount),
});

describe('showback table and statement cells', () => {
  it('colours as --color says, else by FORCE_COLOR, NO_COLOR and the terminal', () => {
    const cases: [GlobalOptions['color'], boolean, Record<string, string>, boolean][] = [
      ['auto', true, {}, true],
      ['auto', false, {}, false],
      ['auto', true, { NO_COLOR: '1' }, false],
      ['auto', false, { FORCE_COLOR: '1' }, true],
      ['auto', true, { FORCE_COLOR: '0' }, false],
      ['auto', true, { FORCE_COLOR: '1', NO_COLOR: '1' }, true],
      ['always', false, { NO_COLOR: '1' }, true],
      ['never', true, { FORCE_COLOR: '3' }, false],
      [undefined, true, {}, true],
    ];
    for (const [color, tty, env, expected] of cases) assert.equal(wantsColour({ color }, io(tty, env)), expected, `${color} ${tty} ${JSON.stringify(env)}`);
  });

  it('puts ANSI codes in the table only when asked', () => {
    const view = { runId: 1, month: '2026-10', currency: 'USD', unallocated: 'Z', lines: [line('A', 'proportional', '10.00'), line('Z', 'idle', '-0.01')] };
    assert.match(statementAsTable(view, { colour: true, width: Infinity }), /\x1b\[/);
    const plain = statementAsTable(view, { colour: false, width: Infinity });
    assert.doesNotMatch(plain, /\x1b\[/);
    assert.match(plain, /1,234,567\.5/);
    assert.match(plain, /│ all +│ +│ total .*│ +9\.99 │/);
  });

  it('escapes text cells that a spreadsheet would run, never a negative amount', () => {
    const csv = statementAsCsv({
      runId: 1, month: '2026-10', currency: 'USD', unallocated: 'Z',
      lines: ['=1+1', '+cmd', '-x', '@SUM(A1)', '\tTab', '\rCR'].map((name, i) => line(`C${i}`, 'proportional', '-1.50', name)),
    });
    const names = csv.trim().split('\n').slice(1).map((row) => row.split(',')[2]);
    assert.deepEqual(names, ["'=1+1", "'+cmd", "'-x", "'@SUM(A1)", "'\tTab", '"\'\rCR"']);
    assert.ok(csv.split('\n').slice(1, -1).every((row) => row.includes(',-1.50,USD')));
  });
});
