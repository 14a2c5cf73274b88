import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { safeText, unescapeText } from '../../src/csv-text.js';

describe('the formula guard of every CSV cell (issue 13, issue 31)', () => {
  const cases: [string, string, boolean][] = [
    ['OWASP\'s equals', '=1+1', true],
    ['plus, minus, at, tab, CR', '+1|-1|@SUM(A1)|\t=1|\r=1', true],
    ['after spaces and line breaks', '  \n=cmd', true],
    ['a right-to-left override first', '\u202e=HYPERLINK("http://x")', true],
    ['a zero-width space, a left-to-right mark, a byte-order mark', '\u200b\u200e\ufeff=1', true],
    ['full-width equals', '\uff1dSUM(A1)', true],
    ['full-width plus, minus and at', '\uff0b1|\uff0d1|\uff20A1', true],
    ['the minus sign and small forms', '\u22121|\ufe621|\ufe631|\ufe66A1', true],
    ['a leading quote (so the escape always undoes)', "'quoted", true],
    ['plain text', 'Research', false],
    ['an override before plain text', '\u202eResearch', false],
    ['an equals sign inside', 'a=b', false],
  ];
  for (const [what, cells, escaped] of cases) {
    it(`${what}: ${escaped ? 'escaped' : 'left alone'}, and read back exactly`, () => {
      for (const cell of cells.split('|')) {
        const safe = safeText(cell);
        assert.equal(safe, escaped ? `'${cell}` : cell, JSON.stringify(cell));
        assert.equal(unescapeText(safe), cell);
      }
    });
  }
});
