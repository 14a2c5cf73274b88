import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RateCardError } from '../../src/domain/errors.js';
import { parseRateCardText } from '../../src/ratecard/load.js';

/** A small card with a platform and the given erp: block (lines 1–9 before it). */
const card = (erp: string) => `version: 1
currency: USD
unallocated: CC-0000
platform: { cost_centre: CC-9000, gl_account: "6100" }
cost_centres:
  - { id: CC-4100, name: Search, match: { team: [search] } }
pools:
  - { id: llm, cost: { fixed: "100.00" }, method: proportional, driver: tokens }
erp:
${erp}`;

function problems(text: string): string[] {
  try {
    parseRateCardText(text, 'card.yaml');
  } catch (error) {
    assert.ok(error instanceof RateCardError, String(error));
    return [...error.problems];
  }
  return [];
}

describe('rate card: the erp: block (issue 32)', () => {
  it('reads a whole block: codes as text, segments in order', () => {
    const parsed = parseRateCardText(card(`  profile: oracle-fbdi
  ledger: "300000046975971"
  company: "01"
  segments: [{ company: "01" }, cost_centre, gl_account, { intercompany: "000" }]
  cost_centre_codes: { CC-0000: "9000", CC-4100: "4100", CC-9000: "9900" }
  journal_source: Chargeback
  journal_category: Allocation`), 'card.yaml');
    assert.deepEqual({ ...parsed.erp, costCentreCodes: { ...parsed.erp?.costCentreCodes } }, {
      profile: 'oracle-fbdi', ledger: '300000046975971', company: '01', journalSource: 'Chargeback', journalCategory: 'Allocation',
      segments: [{ name: 'company', constant: '01' }, { field: 'cost_centre' }, { field: 'gl_account' }, { name: 'intercompany', constant: '000' }],
      costCentreCodes: { 'CC-0000': '9000', 'CC-4100': '4100', 'CC-9000': '9900' },
    });
  });

  const gallery: [string, string, string[]][] = [
    ['an unknown profile: did you mean …', '  profile: netsuit', ['card.yaml:10: erp.profile: expected one of generic, oracle-fbdi, sap, d365, netsuite, workday, xero, quickbooks, columns, got "netsuit" (did you mean "netsuite"?)']],
    ['a segment list that does not name the cost centre', '  segments: [gl_account, { company: "01" }]', ['card.yaml:10: erp.segments: the segments do not name the cost centre']],
    ['a centre with no ERP code while a code map is given', '  cost_centre_codes: { CC-4100: "4100", CC-9000: "9900" }', ['card.yaml:10: erp.cost_centre_codes: cost centre CC-0000 has no ERP code']],
    ['a code map naming a centre the card does not have', '  cost_centre_codes: { CC-0000: "1", CC-4100: "2", CC-9000: "3", CC-4999: "4" }', ['card.yaml:10: erp.cost_centre_codes.CC-4999: no cost centre CC-4999 in this card']],
    ['a code written as a YAML number (01 would be 1)', '  company: 01', ['card.yaml:10: erp.company: expected a non-empty string, got 1 (a YAML number: quote codes']],
    ['the keys a profile needs, named by line', '  profile: oracle-fbdi\n  ledger: "1"', [
      'card.yaml:10: erp: profile oracle-fbdi needs erp.journal_source',
      'card.yaml:10: erp: profile oracle-fbdi needs erp.journal_category',
      'card.yaml:10: erp: profile oracle-fbdi needs erp.segments',
    ]],
    ['a date format the profile does not read', '  profile: sap\n  company: "1010"\n  date_format: DD/MM/YYYY', ['card.yaml:10: erp: profile sap reads dates as YYYYMMDD, not DD/MM/YYYY']],
    ['an unknown key', '  ledgr: "1"', ['card.yaml:10: erp.ledgr: unknown key "ledgr" (did you mean "ledger"?)']],
    ['columns without the columns', '  profile: columns', ['card.yaml:10: erp: profile columns needs erp.columns']],
    ['a column of an unknown field', '  columns: [{ head: Amount, field: amont }]', ['card.yaml:10: erp.columns[0].field: expected one of']],
  ];
  for (const [name, erp, expected] of gallery) {
    it(name, () => {
      const found = problems(card(erp));
      assert.equal(found.length, expected.length, found.join('\n'));
      expected.forEach((e, i) => assert.ok(found[i]?.startsWith(e), `got:      ${found[i]}\nexpected: ${e}`));
    });
  }
});
