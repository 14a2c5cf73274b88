import {
  COLUMN_FIELDS,
  DATE_FORMATS,
  SEGMENT_FIELDS,
  type ColumnField,
  type ColumnSpec,
  type ErpMapping,
  type Segment,
  type SegmentField,
} from '../domain/erp.js';
import { PROFILE_NAMES, profileNamed } from '../domain/erp-profiles.js';
import { checkKeys, describe, isRecord, readChoice, readRecord, type FieldPath, type Issues } from '../domain/fields.js';

/** The `erp:` keys, by their names in the card and in ErpMapping. */
const KEYS = {
  profile: 'profile', ledger: 'ledger', ledger_id: 'ledgerId', company: 'company', segments: 'segments', cost_centre_codes: 'costCentreCodes',
  journal_source: 'journalSource', journal_category: 'journalCategory', date_format: 'dateFormat', cost_centre_column: 'costCentreColumn',
  tax_rate: 'taxRate', tracking: 'tracking', columns: 'columns',
} as const satisfies Record<string, keyof ErpMapping>;
const CARD_KEY = Object.fromEntries(Object.entries(KEYS).map(([card, field]) => [field, card])) as Record<keyof ErpMapping, string>;
const TEXT_KEYS = ['ledger', 'ledger_id', 'company', 'journal_source', 'journal_category', 'tax_rate', 'tracking'] as const;

/**
 * The card's `erp:` block (issue 32): how the journal maps onto the finance team's ERP. Checked
 * against its profile: the keys it needs, a date format it reads, segments that name the
 * cost centre, and a code for every centre once codes are given (`centres`: every centre a
 * journal may name).
 */
export function readErp(value: unknown, centres: ReadonlySet<string>, issues: Issues): ErpMapping | undefined {
  const raw = readRecord(value, ['erp'], issues);
  if (!raw) return undefined;
  checkKeys(raw, Object.keys(KEYS), ['erp'], issues);
  const mapping: { -readonly [K in keyof ErpMapping]: ErpMapping[K] } = {};
  if (raw.profile !== undefined) mapping.profile = readChoice(raw.profile, PROFILE_NAMES, ['erp', 'profile'], issues) ?? undefined;
  for (const key of TEXT_KEYS) {
    const text = raw[key] === undefined ? undefined : readCode(raw[key], ['erp', key], issues);
    if (text !== undefined) (mapping as Record<string, unknown>)[KEYS[key]] = text;
  }
  if (raw.segments !== undefined) mapping.segments = readSegments(raw.segments, issues);
  if (raw.cost_centre_codes !== undefined) mapping.costCentreCodes = readCodes(raw.cost_centre_codes, centres, issues);
  if (raw.date_format !== undefined) mapping.dateFormat = readChoice(raw.date_format, DATE_FORMATS, ['erp', 'date_format'], issues) ?? undefined;
  if (raw.cost_centre_column !== undefined) {
    mapping.costCentreColumn = readChoice(raw.cost_centre_column, ['department', 'class', 'location'] as const, ['erp', 'cost_centre_column'], issues) ?? undefined;
  }
  if (raw.columns !== undefined) mapping.columns = readColumns(raw.columns, issues);
  if (mapping.profile) for (const problem of profileProblems(mapping.profile, mapping)) issues.add(['erp'], problem);
  return mapping;
}

/**
 * What keeps `mapping` from writing `profile`: the keys it needs and lacks, a date format
 * it does not read. Empty when it can. Shared by `ratecard validate` and `export erp
 * --profile`, which may name a profile the card does not.
 */
export function profileProblems(name: string, mapping: ErpMapping): string[] {
  const profile = profileNamed(name, mapping);
  if (!profile) return name === 'columns' ? ['profile columns needs erp.columns: the column heads and what each holds'] : [];
  const missing = profile.needs.filter((key) => mapping[key] === undefined).map((key) => `profile ${name} needs erp.${CARD_KEY[key]}`);
  const dates = mapping.dateFormat !== undefined && name !== 'columns' && !profile.dates.includes(mapping.dateFormat)
    ? [`profile ${name} reads dates as ${profile.dates.join(' or ')}, not ${mapping.dateFormat} (erp.date_format)`] : [];
  return [...missing, ...dates];
}

/** An ERP code or name: text as written. A YAML number is refused (01 would be 1). */
function readCode(value: unknown, path: FieldPath, issues: Issues): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value;
  const hint = typeof value === 'number' ? ' (a YAML number: quote codes, so that "01" stays 01)' : '';
  issues.add(path, `expected a non-empty string, got ${describe(value)}${hint}`);
  return undefined;
}

/** `segments: [{company: "01"}, cost_centre, gl_account, {intercompany: "000"}]`: each a field, or one name with its constant. */
function readSegments(value: unknown, issues: Issues): Segment[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add(['erp', 'segments'], `expected a list of segments (${SEGMENT_FIELDS.join(', ')}, or {name: "constant"}), got ${describe(value)}`);
    return undefined;
  }
  const segments = value.flatMap((item: unknown, i): Segment[] => {
    const path = ['erp', 'segments', i];
    if (typeof item === 'string') {
      const field = readChoice(item, SEGMENT_FIELDS, path, issues);
      return field ? [{ field: field as SegmentField }] : [];
    }
    if (isRecord(item) && Object.keys(item).length === 1) {
      const [name, constant] = Object.entries(item)[0]!;
      const text = readCode(constant, [...path, name], issues);
      return text === undefined ? [] : [{ name, constant: text }];
    }
    issues.add(path, `expected ${SEGMENT_FIELDS.join(', ')} or one {name: "constant"}, got ${describe(item)}`);
    return [];
  });
  if (!segments.some((s) => 'field' in s && s.field === 'cost_centre')) {
    issues.add(['erp', 'segments'], 'the segments do not name the cost centre: add cost_centre where the ledger keeps it');
  }
  return segments;
}

/** `cost_centre_codes: { CC-4100: "4100" }`: every centre the journal may name, each once. */
function readCodes(value: unknown, centres: ReadonlySet<string>, issues: Issues): Record<string, string> | undefined {
  const raw = readRecord(value, ['erp', 'cost_centre_codes'], issues);
  if (!raw) return undefined;
  const codes: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [centre, code] of Object.entries(raw)) {
    if (!centres.has(centre)) issues.add(['erp', 'cost_centre_codes', centre], `no cost centre ${centre} in this card`);
    const text = readCode(code, ['erp', 'cost_centre_codes', centre], issues);
    if (text !== undefined) codes[centre] = text;
  }
  for (const centre of [...centres].sort()) {
    if (!(centre in codes)) issues.add(['erp', 'cost_centre_codes'], `cost centre ${centre} has no ERP code: with a code map, every centre a journal may name needs one`);
  }
  return codes;
}

/** `columns: [{head: "Journal", field: document}, {head: "Type", constant: "GL"}]`: the card's own layout. */
function readColumns(value: unknown, issues: Issues): ColumnSpec[] | undefined {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add(['erp', 'columns'], `expected a list of columns ({head, field} or {head, constant}), got ${describe(value)}`);
    return undefined;
  }
  return value.flatMap((item: unknown, i): ColumnSpec[] => {
    const path = ['erp', 'columns', i];
    const raw = readRecord(item, path, issues);
    if (!raw) return [];
    checkKeys(raw, ['head', 'field', 'constant', 'format'], path, issues);
    const head = readCode(raw.head, [...path, 'head'], issues);
    if (head === undefined) return [];
    if (raw.constant !== undefined && raw.field === undefined) {
      const constant = typeof raw.constant === 'string' ? raw.constant : readCode(raw.constant, [...path, 'constant'], issues);
      return constant === undefined ? [] : [{ head, constant }];
    }
    const field = readChoice(raw.field, COLUMN_FIELDS, [...path, 'field'], issues);
    const format = raw.format === undefined ? undefined : readChoice(raw.format, DATE_FORMATS, [...path, 'format'], issues) ?? undefined;
    return field ? [{ head, field: field as ColumnField, ...(format ? { format } : {}) }] : [];
  });
}
