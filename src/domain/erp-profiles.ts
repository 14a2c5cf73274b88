import { formatDay, type ColumnField, type ColumnSpec, type ErpLine, type ErpMapping } from './erp.js';
import { formatAmount } from './money.js';

/**
 * The ERP import layouts `export erp --profile` writes (issue 32), one entry each: what the
 * vendor's import reads, in its order, with its sign convention, dates and limits. Where each
 * layout comes from is `source`, and docs/erp.md says it at length.
 */
export interface ErpProfile {
  /** The vendor document the layout is built from. */
  source: string;
  /** The header row, or null where the import reads positions only. */
  heads: readonly string[] | null;
  /** The date formats the import reads (DATE_FORMATS); the first unless the card's `date_format` picks another. */
  dates: readonly string[];
  /** The `erp:` keys the layout cannot do without. */
  needs: readonly (keyof ErpMapping)[];
  /** Lines per part, where the ERP limits them, and what a part is: one document, or one file. */
  limit?: { lines: number; per: 'document' | 'file' };
  /** The most characters a column holds, by head (or position, from 1, without heads). */
  lengths?: Readonly<Record<string, number>>;
  /** The most characters a segment value holds, where the ERP limits dimension values. */
  segmentLength?: number;
  /** Packed as the import takes it: Oracle's loader takes the CSV zipped, under this name. */
  zipped?: string;
  /** One line's cells, in the order of `heads`. */
  row(line: ErpLine, at: RowContext): string[];
}

/** What a row is written with besides its line. */
export interface RowContext {
  mapping: ErpMapping;
  currency: string;
  /** The line's posting day in the profile's date format. */
  date: string;
  /** The document of the line's part: the journal's, numbered `/N` where the journal has several parts. */
  document: string;
  /** The same, short, for ERPs whose reference field is (`CB-R12`, `CB-R12-A11`, `CB-R12/2`). */
  code: string;
  /** The month the journal charges (YYYY-MM). */
  month: string;
}

const money = formatAmount;
/** A side of a split amount: the figure, or blank where the line is on the other side. */
const side = (value: ErpLine['debit']) => (value.isZero() ? '' : money(value));
/** A month (YYYY-MM) as an ERP names its period: `MMM YYYY` is NetSuite's `Oct 2026`, `MMM-YY` Oracle's default calendar's `Oct-26`. */
const periodName = (month: string, format: string) => formatDay(`${month}-01`, format);

/** Oracle's GL_INTERFACE: 150 positions; the ones a journal needs are set, the rest blank. */
const ORACLE_WIDTH = 150;
function oracleRow(line: ErpLine, at: RowContext): string[] {
  const cells: string[] = new Array<string>(ORACLE_WIDTH).fill('');
  const put = (position: number, value: string) => (cells[position - 1] = value);
  put(1, 'NEW');
  put(2, at.mapping.ledgerId ?? '');
  put(3, at.date);
  put(4, at.mapping.journalSource ?? '');
  put(5, at.mapping.journalCategory ?? '');
  put(6, at.currency);
  put(7, at.date);
  put(8, 'A');
  line.segmentValues.forEach((value, i) => put(9 + i, value));
  put(39, side(line.debit));
  put(40, side(line.credit));
  put(43, at.document);
  put(46, at.document);
  put(52, line.memo);
  put(67, groupId(at.document));
  put(92, at.mapping.ledger ?? '');
  put(95, periodName(at.month, 'MMM-YY'));
  put(ORACLE_WIDTH, 'END');
  return cells;
}

/** A document's short code: `chargeback-run-12-adjusts-11` is `CB-R12-A11`. */
export function documentCode(document: string): string {
  const [run, base] = [...document.matchAll(/\d+/g)].map((m) => m[0]);
  return base === undefined ? `CB-R${run}` : `CB-R${run}-A${base}`;
}

/**
 * Oracle's GROUP_ID, a number the import job is given too: the run's number, and for an
 * adjustment the run's and its base run's with a 0 between (`chargeback-run-12-adjusts-11`
 * is 12011), so a re-export has the same one.
 */
export function groupId(document: string): string {
  const [run, base] = [...document.matchAll(/\d+/g)].map((m) => m[0]);
  return base === undefined ? run! : `${run}0${base}`;
}

export const ERP_PROFILES: Readonly<Record<string, ErpProfile>> = {
  'oracle-fbdi': {
    source: 'Oracle Fusion Cloud Financials, FBDI Journal Import (JournalImportTemplate.xlsm, GlInterface.csv; GL_INTERFACE)',
    heads: null,
    dates: ['YYYY/MM/DD'],
    needs: ['ledger', 'journalSource', 'journalCategory', 'segments'],
    lengths: { 4: 25, 5: 25, 43: 100, 46: 100, 52: 240, 92: 30 },
    zipped: 'GlInterface.csv',
    row: oracleRow,
  },
  sap: {
    source: 'SAP S/4HANA journal entry (BAPI_ACC_DOCUMENT_POST / I_JournalEntryTP; Fiori app F2548 Upload General Journal Entries)',
    heads: ['CompanyCode', 'DocumentType', 'DocumentDate', 'PostingDate', 'DocumentReferenceID', 'DocumentHeaderText', 'LineItem', 'GLAccount',
      'AmountInTransactionCurrency', 'TransactionCurrency', 'CostCenter', 'ProfitCenter', 'DocumentItemText'],
    dates: ['YYYYMMDD'],
    needs: ['company'],
    limit: { lines: 999, per: 'document' },
    lengths: { DocumentReferenceID: 16, DocumentHeaderText: 25, GLAccount: 10, CostCenter: 10, ProfitCenter: 10, DocumentItemText: 50 },
    // The item text is the pool and the month: a centre's name would pass SAP's 50 characters.
    row: (line, at) => [at.mapping.company ?? '', 'SA', at.date, at.date, at.code, `chargeback ${at.month}`, String(line.line), line.glAccount,
      money(line.amount), at.currency, line.centreCode, '', `${line.pool}${line.recovery ? ' recovered' : ''} ${at.month}`],
  },
  d365: {
    source: 'Dynamics 365 Finance, General journal data entity (LedgerJournalEntity)',
    heads: ['JOURNALBATCHNUMBER', 'LINENUMBER', 'JOURNALNAME', 'DESCRIPTION', 'ACCOUNTTYPE', 'ACCOUNTDISPLAYVALUE', 'OFFSETACCOUNTTYPE',
      'OFFSETACCOUNTDISPLAYVALUE', 'TRANSDATE', 'VOUCHER', 'CURRENCYCODE', 'DEBITAMOUNT', 'CREDITAMOUNT', 'TEXT'],
    dates: ['YYYY-MM-DD', 'DD-MMM-YYYY', 'MM/DD/YYYY', 'DD/MM/YYYY'],
    needs: ['journalSource', 'segments'],
    lengths: { ACCOUNTDISPLAYVALUE: 500, VOUCHER: 20, TEXT: 60 },
    segmentLength: 30,
    row: (line, at) => [at.document, String(line.line), at.mapping.journalSource ?? '', `chargeback ${at.month}`, 'Ledger', line.segmentValues.join('-'),
      '', '', at.date, at.code, at.currency, money(line.debit), money(line.credit), line.memo],
  },
  netsuite: {
    source: 'NetSuite CSV Import Assistant, Journal Entry (single-file layout)',
    heads: ['External ID', 'Date', 'Currency', 'Subsidiary', 'Posting Period', 'Account', 'Debit', 'Credit', 'Memo', 'Department', 'Class', 'Location'],
    dates: ['MM/DD/YYYY', 'DD/MM/YYYY', 'YYYY-MM-DD'],
    needs: [],
    limit: { lines: 25_000, per: 'file' },
    lengths: { Memo: 30 },
    row: (line, at) => {
      const column = at.mapping.costCentreColumn ?? 'department';
      // The memo is the pool and the month (the centre has its own column): NetSuite's line memo is short.
      return [at.document, at.date, at.currency, at.mapping.company ?? '', periodName(at.month, 'MMM YYYY'), line.glAccount, side(line.debit), side(line.credit), `${line.pool} ${at.month}`,
        column === 'department' ? line.centreCode : '', column === 'class' ? line.centreCode : '', column === 'location' ? line.centreCode : ''];
    },
  },
  workday: {
    source: 'Workday Financials, Accounting Journal (flat connector template: H_ header and L_ line keys)',
    heads: ['H_JournalKey', 'H_Company', 'H_Currency', 'H_LedgerType', 'H_AccountingDate', 'H_JournalSource', 'H_JournalEntryMemo', 'L_Order',
      'L_LedgerAccount', 'L_DebitAmount', 'L_CreditAmount', 'L_Currency', 'L_Memo', 'L_CostCenter'],
    dates: ['YYYY-MM-DD', 'MM/DD/YYYY'],
    needs: ['company', 'journalSource'],
    lengths: { H_JournalKey: 30 },
    row: (line, at) => [at.code, at.mapping.company ?? '', at.currency, 'ACTUALS', at.date, at.mapping.journalSource ?? '', at.document,
      String(line.line), line.glAccount, side(line.debit), side(line.credit), at.currency, line.memo, line.centreCode],
  },
  xero: {
    source: 'Xero, Manual Journals import template',
    heads: ['*Narration', '*Date', 'Description', '*AccountCode', '*TaxRate', '*Amount', 'TrackingName1', 'TrackingOption1', 'TrackingName2', 'TrackingOption2'],
    dates: ['DD/MM/YYYY', 'DD MMM YYYY'],
    needs: ['taxRate'],
    limit: { lines: 300, per: 'file' },
    row: (line, at) => [at.document, at.date, line.memo, line.glAccount, at.mapping.taxRate ?? '', money(line.amount),
      at.mapping.tracking ?? '', at.mapping.tracking ? line.centreCode : '', '', ''],
  },
  quickbooks: {
    source: 'QuickBooks Online, Import Data: Journal Entries',
    heads: ['Journal No.', 'Journal Date', 'Account Name', 'Debits', 'Credits', 'Description', 'Name', 'Class', 'Location', 'Currency'],
    dates: ['MM/DD/YYYY', 'DD/MM/YYYY'],
    needs: [],
    lengths: { 'Journal No.': 21 },
    row: (line, at) => [at.code, at.date, line.glAccount, side(line.debit), side(line.credit), line.memo, '', line.centreCode, '', at.currency],
  },
};

/** Every profile's name, `generic` (SPEC §7's layout, the default) and `columns` (the card's own) included. */
export const PROFILE_NAMES = ['generic', ...Object.keys(ERP_PROFILES), 'columns'] as const;

/** The `columns` profile: the card's own layout, each column a field of the line or a constant. */
export function columnsProfile(specs: readonly ColumnSpec[]): ErpProfile {
  return {
    source: "the rate card's erp.columns",
    heads: specs.map((spec) => spec.head),
    dates: ['YYYY-MM-DD'],
    needs: ['columns'],
    row: (line, at) => specs.map((spec) => ('constant' in spec ? spec.constant : columnValue(spec.field, spec.format, line, at))),
  };
}

function columnValue(field: ColumnField, format: string | undefined, line: ErpLine, at: RowContext): string {
  const values: Record<ColumnField, () => string> = {
    document: () => at.document,
    part: () => String(line.part),
    line: () => String(line.line),
    date: () => (format === undefined ? at.date : formatDay(line.postingDate, format)),
    account: () => (line.segmentValues.length > 0 ? line.segmentValues.join('-') : line.glAccount),
    gl_account: () => line.glAccount,
    cost_centre: () => line.centreCode,
    company: () => at.mapping.company ?? '',
    ledger: () => at.mapping.ledger ?? '',
    ledger_id: () => at.mapping.ledgerId ?? '',
    debit: () => side(line.debit),
    credit: () => side(line.credit),
    amount: () => money(line.amount),
    currency: () => at.currency,
    memo: () => line.memo,
    pool: () => line.pool,
    journal_source: () => at.mapping.journalSource ?? '',
    journal_category: () => at.mapping.journalCategory ?? '',
    period: () => at.month,
  };
  return values[field]();
}

/** A profile by name: a built-in one, or the card's own columns; undefined for no such profile. */
export function profileNamed(name: string, mapping: ErpMapping): ErpProfile | undefined {
  if (name === 'columns') return mapping.columns ? columnsProfile(mapping.columns) : undefined;
  return ERP_PROFILES[name];
}
