import { ReconciliationError } from './errors.js';
import type { JournalLine } from './journal.js';
import { Decimal, sum } from './money.js';

/**
 * How a card maps the journal onto its ERP (issue 32): the `erp:` block. Codes are text as
 * written (a YAML number would lose a leading zero, so the card quotes them).
 */
export interface ErpMapping {
  /** The profile `export erp` writes unless `--profile` names another. */
  profile?: string;
  /** The ledger's name (Oracle LEDGER_NAME), and where the import wants it, its id (LEDGER_ID). */
  ledger?: string;
  ledgerId?: string;
  company?: string;
  /** The chart-of-accounts segments in the ledger's order: fields of the line, or constants. */
  segments?: readonly Segment[];
  /** Our cost-centre ids to the ERP's codes, where they differ: given, every charged centre needs one. */
  costCentreCodes?: Readonly<Record<string, string>>;
  journalSource?: string;
  journalCategory?: string;
  /** A profile's date format where it allows a choice (DATE_FORMATS). */
  dateFormat?: string;
  /** Where the cost centre goes in a profile of named classification columns (NetSuite: department, class or location). */
  costCentreColumn?: string;
  /** Xero: the tax rate every line carries, and the tracking category the cost centre is an option of. */
  taxRate?: string;
  tracking?: string;
  /** `columns`: the card's own layout. */
  columns?: readonly ColumnSpec[];
}

/** A line field a segment or a column may name. */
export const SEGMENT_FIELDS = ['company', 'cost_centre', 'gl_account'] as const;
export type SegmentField = (typeof SEGMENT_FIELDS)[number];
export type Segment = { field: SegmentField } | { name: string; constant: string };

/** What a `columns` profile's column holds: a field of the line, or a constant. */
export const COLUMN_FIELDS = ['document', 'part', 'line', 'date', 'account', 'gl_account', 'cost_centre', 'company', 'ledger', 'ledger_id',
  'debit', 'credit', 'amount', 'currency', 'memo', 'pool', 'journal_source', 'journal_category', 'period'] as const;
export type ColumnField = (typeof COLUMN_FIELDS)[number];
export type ColumnSpec = { head: string; field: ColumnField; format?: string } | { head: string; constant: string };

/** The date formats a card may choose, as tokens of an ISO day: YYYY (or YY), MM, DD, MMM (Jan…Dec). */
export const DATE_FORMATS = ['YYYY-MM-DD', 'YYYY/MM/DD', 'YYYYMMDD', 'MM/DD/YYYY', 'DD/MM/YYYY', 'DD.MM.YYYY', 'DD MMM YYYY', 'DD-MMM-YYYY'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** An ISO day (YYYY-MM-DD) written in one of DATE_FORMATS. */
export function formatDay(iso: string, format: string): string {
  const [year, month, day] = iso.split('-') as [string, string, string];
  return format.replace(/YYYY|YY|MMM|MM|DD/g, (token) => ({ YYYY: year, YY: year.slice(2), MMM: MONTHS[Number(month) - 1]!, MM: month, DD: day })[token]!);
}

/** A journal line as every profile reads it: the ERP's codes resolved, the part it belongs to. */
export interface ErpLine extends JournalLine {
  /** The ERP's code for the line's cost centre (costCentreCodes, else our id). */
  centreCode: string;
  /** The chart-of-accounts segment values, in the card's order (empty without segments). */
  segmentValues: readonly string[];
  /** 1-based: the part of the journal (a document or file where a profile's limit splits it) and the line in it. */
  part: number;
  line: number;
  /** Debit minus credit: the signed amount of profiles that write one. */
  amount: Decimal;
}

/**
 * The journal's lines with the ERP's codes and segments, cut into parts of at most `limit`
 * lines that each balance: a pool's charges in runs of at most limit − 1, each run followed
 * by its own balancing line to the platform (`platformCentre`), and runs packed whole into
 * parts, in order. Without a limit, one part, the journal as it is.
 */
export function erpLines(journal: readonly JournalLine[], mapping: ErpMapping, platformCentre: string, limit?: number): ErpLine[] {
  const runs = limit === undefined ? [journal] : balancedRuns(journal, platformCentre, limit - 1);
  const parts: JournalLine[][] = [];
  for (const run of runs) {
    const last = parts[parts.length - 1];
    if (last && (limit === undefined || last.length + run.length <= limit)) last.push(...run);
    else parts.push([...run]);
  }
  return parts.flatMap((lines, p) => lines.map((line, i) => ({
    ...line,
    centreCode: mapping.costCentreCodes?.[line.costCentre] ?? line.costCentre,
    segmentValues: (mapping.segments ?? []).map((segment) => segmentValue(segment, line, mapping)),
    part: p + 1,
    line: i + 1,
    amount: line.debit.minus(line.credit),
  })));
}

/**
 * The journal's lines as runs that balance: per pool (journalOf writes a pool's charges, then
 * its recovery line to the platform, none where they add up to 0), its charges cut into runs
 * of at most `size`, each followed by a recovery line of the run's own total where it is not 0.
 */
function balancedRuns(journal: readonly JournalLine[], platformCentre: string, size: number): JournalLine[][] {
  if (size < 1) throw new RangeError('a part must hold a charge and its balancing line');
  const pools = new Map<string, JournalLine[]>();
  for (const line of journal) {
    const lines = pools.get(line.pool);
    if (lines) lines.push(line);
    else pools.set(line.pool, [line]);
  }
  const runs: JournalLine[][] = [];
  for (const [pool, lines] of pools) {
    const charges = lines.filter((l) => !l.recovery);
    const recovery = lines.find((l) => l.recovery) ?? { ...charges[0]!, costCentre: platformCentre, memo: `${pool} recovered`, recovery: true };
    for (let at = 0; at < charges.length; at += size) {
      const run = charges.slice(at, at + size);
      const total = sum(run.map((l) => l.debit.minus(l.credit)));
      runs.push(total.isZero() ? run : [...run, { ...recovery, ...balancing(total) }]);
    }
  }
  return runs;
}

/** The platform line's side that balances a run of charges adding up to `total`. */
function balancing(total: Decimal): { debit: Decimal; credit: Decimal } {
  const zero = new Decimal(0);
  return total.isNegative() ? { debit: total.abs(), credit: zero } : { debit: zero, credit: total };
}

function segmentValue(segment: Segment, line: JournalLine, mapping: ErpMapping): string {
  if ('constant' in segment) return segment.constant;
  if (segment.field === 'gl_account') return line.glAccount;
  if (segment.field === 'company') return mapping.company ?? '';
  return mapping.costCentreCodes?.[line.costCentre] ?? line.costCentre;
}

/** Each part of the lines balances to the cent, and so does the whole: else a ReconciliationError naming the part. */
export function checkBalanced(lines: readonly ErpLine[], document: string): void {
  const parts = new Map<number, Decimal>();
  for (const line of lines) parts.set(line.part, (parts.get(line.part) ?? new Decimal(0)).plus(line.amount));
  for (const [part, total] of parts) {
    if (!total.isZero()) throw new ReconciliationError(`journal ${document} part ${part} does not balance: debits exceed credits by ${total.toFixed(2)}`);
  }
}
