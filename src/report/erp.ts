import { strToU8, zipSync } from 'fflate';
import { checkBalanced, erpLines, formatDay, type ErpMapping } from '../domain/erp.js';
import { UsageError } from '../domain/errors.js';
import type { JournalLine } from '../domain/journal.js';
import { safeText, toCsv } from '../csv-text.js';
import { documentCode, profileNamed, type ErpProfile } from '../domain/erp-profiles.js';

/** One file of a journal: its contents, and the part it is of the journal's files (1 when there is one). */
export interface ErpFile {
  part: number;
  bytes: Uint8Array;
  /** The file's name inside a zip, where the profile zips it; else null. */
  inside: string | null;
}

export interface ErpJournal {
  document: string;
  /** The month the journal charges. */
  month: string;
  currency: string;
  mapping: ErpMapping;
  /** The centre the journal credits (the card's platform): a part's own balancing lines go to it. */
  platformCentre: string;
}

/**
 * A journal in a profile's layout: its lines with the ERP's codes, cut where the profile
 * limits them so that every part balances, checked (balance per part and in total, each
 * column's length), as the files to write. Throws UsageError for a value the ERP cannot take.
 */
export function erpFiles(profileName: string, journal: readonly JournalLine[], heading: ErpJournal): ErpFile[] {
  const profile = profileNamed(profileName, heading.mapping);
  if (!profile) throw new RangeError(`no ERP profile ${profileName}`);
  const lines = erpLines(journal, heading.mapping, heading.platformCentre, profile.limit?.lines);
  checkBalanced(lines, heading.document);
  // A journal with no lines (nothing to post) is still one file: the header alone.
  const parts = Math.max(1, ...lines.map((l) => l.part));
  const format = heading.mapping.dateFormat ?? profile.dates[0]!;
  const rows = lines.map((line) => ({
    part: line.part,
    cells: profile.row(line, { mapping: heading.mapping, currency: heading.currency, date: formatDay(line.postingDate, format), month: heading.month,
      ...numbered(heading.document, parts > 1 ? line.part : null) }),
  }));
  rows.forEach((row, i) => checkLengths(profileName, profile, row.cells, i + 1));
  lines.forEach((line, i) => checkSegments(profileName, profile, line.segmentValues, i + 1));
  const csvOf = (cells: string[][]) => toCsv([...(profile.heads ? [[...profile.heads]] : []), ...cells.map((c) => c.map(guarded))]);
  // Parts that are documents share one file; parts that are files are a file each.
  const files = profile.limit?.per === 'file'
    ? Array.from({ length: parts }, (_, p) => ({ part: p + 1, text: csvOf(rows.filter((r) => r.part === p + 1).map((r) => r.cells)) }))
    : [{ part: 1, text: csvOf(rows.map((r) => r.cells)) }];
  return files.map(({ part, text }) => ({
    part,
    inside: profile.zipped ?? null,
    // A fixed time in the zip's entry: the same journal zips to the same bytes.
    bytes: profile.zipped ? zipSync({ [profile.zipped]: [strToU8(text), { mtime: ZIP_TIME }] }) : strToU8(text),
  }));
}

const ZIP_TIME = new Date(Date.UTC(2000, 0, 1));

/** A part's document and short code: the journal's, numbered where it has several parts. */
function numbered(document: string, part: number | null): { document: string; code: string } {
  const suffix = part === null ? '' : `/${part}`;
  return { document: `${document}${suffix}`, code: `${documentCode(document)}${suffix}` };
}

/** A cell written as text: an amount as it is, any other text kept from running as a formula. */
const guarded = (cell: string) => (/^-?\d+(\.\d+)?$/.test(cell) ? cell : safeText(cell));

/** A segment value past the ERP's dimension length is refused the same way (Dynamics 365: 30 characters). */
function checkSegments(name: string, profile: ErpProfile, values: readonly string[], line: number): void {
  const most = profile.segmentLength;
  if (most === undefined) return;
  values.forEach((value, i) => {
    if ([...value].length > most) {
      throw new UsageError(`export erp --profile ${name}: journal line ${line}, segment ${i + 1}: "${value}" is ${[...value].length} characters, the ERP takes at most ${most}`);
    }
  });
}

/** A column past the ERP's length is refused, naming the line, the column and the limit: never cut. */
function checkLengths(name: string, profile: ErpProfile, cells: readonly string[], line: number): void {
  for (const [column, most] of Object.entries(profile.lengths ?? {})) {
    const at = profile.heads ? profile.heads.indexOf(column) : Number(column) - 1;
    const value = cells[at] ?? '';
    if ([...value].length > most) {
      throw new UsageError(`export erp --profile ${name}: journal line ${line}, ${profile.heads ? column : `position ${column}`}: "${value}" is ${[...value].length} characters, the ERP takes at most ${most}`);
    }
  }
}
