import { NESTED_TOO_DEEPLY } from './json-rows.js';
import { newTags } from '../domain/tags.js';
import { InputError } from '../domain/errors.js';
import type { UsageEvent } from '../domain/types.js';
import { fingerprintKey, isFingerprint, isSha256Hex, keptHashedKey, keptKey, lastFour } from '../secrets.js';
import { csvRowsParser } from './csv-rows.js';
import { jsonRowsParser } from './json-rows.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from './reader.js';
import { parseCount, parseInstant, parseLatency, parseTimestamp } from './values.js';

/**
 * One record of any shape, read by lower-case name or dotted path (`usage.prompt_tokens`,
 * `metadata.tags`). A string that holds JSON is decoded on the way down: LiteLLM stores
 * `metadata` and `request_tags` as JSON strings inside JSON.
 */
export interface RecordView {
  /** The record's own names, in their own letter case. */
  names(): string[];
  value(path: string): unknown;
  /** The first non-empty value among `paths`, as trimmed text; '' when none has one. */
  text(...paths: string[]): string;
}

export function recordView(top: ReadonlyMap<string, unknown>, original?: readonly string[]): RecordView {
  const decoded = new Map<string, unknown>();
  const decode = (path: string, value: unknown): unknown => {
    if (typeof value !== 'string' || !/^\s*[[{]/.test(value)) return value;
    if (!decoded.has(path)) {
      try {
        decoded.set(path, JSON.parse(value));
      } catch {
        decoded.set(path, value);
      }
    }
    return decoded.get(path);
  };
  const value = (path: string): unknown => {
    // A flat name first: flattened exports (BigQuery's `service.description`) put dots in names.
    if (top.has(path)) return top.get(path);
    const [head = '', ...rest] = path.split('.');
    let current = top.get(head);
    let at = head;
    for (const part of rest) {
      current = decode(at, current);
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return undefined;
      const object = current as Record<string, unknown>;
      // Own keys only: a record's `constructor` or `__proto__` path must not reach Object's prototype.
      current = Object.hasOwn(object, part) ? object[part] : Object.entries(object).find(([k]) => k.toLowerCase() === part)?.[1];
      at = `${at}.${part}`;
    }
    return current;
  };
  return {
    names: () => [...(original ?? top.keys())],
    value: (path) => decode(path, value(path)),
    text(...paths) {
      for (const path of paths) {
        const v = value(path);
        const t = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v).trim();
        if (t !== '' && t.toLowerCase() !== 'null' && t !== 'None') return t;
      }
      return '';
    },
  };
}

/** A row that cannot become an event: the field at fault and why (SPEC §3). */
export class RowProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Where a format keeps each field: candidate paths, the first non-empty one wins. */
export interface FieldSpec {
  timestamp: readonly string[];
  requestId: readonly string[];
  /** A raw API key: fingerprinted here. */
  apiKey?: readonly string[];
  /** An API key the gateway already hashed with SHA-256: its first 12 hex are our fingerprint. */
  apiKeyHash?: readonly string[];
  user: readonly string[];
  team: readonly string[];
  project: readonly string[];
  model: readonly string[];
  inputTokens: readonly string[];
  outputTokens: readonly string[];
  cachedInputTokens: readonly string[];
  /** Token classes (issue 29), where the format has them: cache writes are part of input, reasoning of output. */
  cacheWriteTokens?: readonly string[];
  cacheWrite1hTokens?: readonly string[];
  reasoningTokens?: readonly string[];
  webSearchCalls?: readonly string[];
  latencyMs: readonly string[];
  status: readonly string[];
  tier: readonly string[];
  environment: readonly string[];
  /** How many requests a record stands for (a usage bucket's own count); 1 when absent. */
  requests?: readonly string[];
  tags?: (record: RecordView) => Record<string, string>;
}

/** A gateway format read from records: its shape, how to recognise it, where its fields are. */
export interface RecordFormat {
  format: string;
  shape: 'csv' | 'json';
  /** Lower-case names all present in a header (or the first object's keys) of this format. */
  signature: readonly string[];
  /** Recognises the format from the lower-case names, when a fixed signature cannot (aliases). */
  detect?: (names: readonly string[]) => boolean;
  fields: FieldSpec;
  /**
   * The native format's stricter rules (SPEC §8.1, §8.2): a time must carry its offset (no
   * --tz), a status is ok, error or an HTTP code only, `tag.NAME` columns are tags, and a
   * header must hold the required and an identity column.
   */
  native?: boolean;
  /** Output tokens may be absent (embeddings report none): 0 then. */
  outputOptional?: boolean;
  /**
   * A JSON record that holds many (a usage API's page of buckets of results): the records to
   * map, each a flat object, or the reason the whole record cannot be read.
   */
  expand?: (value: Record<string, unknown>) => Record<string, unknown>[] | string;
  /** What to say when the model is missing, where the format can tell how to get it. */
  modelHint?: string;
  /** The tier every record is billed at, whatever it says (the Batch API's output: `batch`). */
  tier?: string;
}

/** The fields a record has, each read from the first of its paths that holds a value. */
type FieldName = Exclude<keyof FieldSpec, 'tags'>;

/** The one status grammar (SPEC §8.1): empty is ok, an HTTP code is ok below 400, else the format's words. */
const STATUS_WORDS: Record<'native' | 'any', Readonly<Record<string, 'ok' | 'error'>>> = {
  native: { ok: 'ok', error: 'error' },
  any: { ok: 'ok', success: 'ok', succeeded: 'ok', error: 'error', failure: 'error', failed: 'error' },
};

function parseStatusWith(words: Readonly<Record<string, 'ok' | 'error'>>, text: string): 'ok' | 'error' | null {
  if (text === '') return 'ok';
  if (/^\d{3}$/.test(text)) return Number(text) < 400 ? 'ok' : 'error';
  return words[text.toLowerCase()] ?? null;
}

function count(text: string, field: string, required: boolean): number {
  if (text === '' && !required) return 0;
  if (text === '') throw new RowProblem(field, 'missing');
  const value = parseCount(text.replace(/\.0+$/, ''));
  if (value === null) throw new RowProblem(field, `expected a whole number, got "${text}"`);
  return value;
}

/** Where a format's raw keys may sit (the last name of each path: a JSON key or a column) and how they are kept. */
function secretsOf(fields: FieldSpec): Reader['secrets'] {
  const paths = [...(fields.apiKey ?? []), ...(fields.apiKeyHash ?? [])];
  return { fields: [...new Set(paths.map((p) => p.split('.').pop()!))], keep: fields.apiKeyHash ? keptHashedKey : keptKey };
}

/** The API key as we keep it: a fingerprint and, for a raw key, its last four characters. */
type Key = { fp?: string; last4?: string };
type KeyCache = (raw: string, hashed: boolean) => Key;

/** Fingerprints keys once each: a log repeats a few hundred keys millions of times. */
function keyCache(): KeyCache {
  const seen = new Map<string, Key>();
  return (raw, hashed) => {
    if (raw === '') return {};
    let key = seen.get(raw);
    if (!key) {
      if (seen.size >= 100_000) seen.clear();
      // A hash or a fingerprint is not the key: it has no last four to show.
      key = isFingerprint(raw) || (hashed && isSha256Hex(raw)) ? { fp: keptHashedKey(raw) } : { fp: fingerprintKey(raw), last4: lastFour(raw) };
      seen.set(raw, key);
    }
    return key;
  };
}

/** What the mapper needs of one record: each field's text, its tags, and the format's rules. */
interface RecordFields {
  get(field: FieldName): string;
  tags(): Record<string, string>;
}

const TIME_EXPECTED = {
  native: 'an ISO 8601 time with an offset or Z, or Unix seconds',
  any: 'an ISO 8601 time or a Unix time',
};

/**
 * The one gateway mapper (issue 14): one record to an event, or a RowProblem naming the
 * field in the format's own words (SPEC §8.2). Written for speed: it runs once per row of
 * files with millions of rows.
 */
export function toEvent(record: RecordFields, spec: RecordFormat, zone: string, keys: KeyCache, defaults: Defaults = NO_DEFAULTS): UsageEvent {
  const { fields } = spec;
  const name = (field: FieldName, fallback: string) => fields[field]?.[0] ?? fallback;
  const stamp = record.get('timestamp');
  if (stamp === '') throw new RowProblem(name('timestamp', 'timestamp'), 'missing');
  const tsMs = spec.native ? parseInstant(stamp) : parseTimestamp(stamp, zone);
  if (tsMs === null) throw new RowProblem(name('timestamp', 'timestamp'), `expected ${TIME_EXPECTED[spec.native ? 'native' : 'any']}, got "${stamp}"`);
  const model = record.get('model');
  if (model === '') throw new RowProblem(name('model', 'model'), spec.modelHint ? `missing (${spec.modelHint})` : 'missing');
  const inputTokens = count(record.get('inputTokens'), name('inputTokens', 'input_tokens'), true);
  const outputTokens = count(record.get('outputTokens'), name('outputTokens', 'output_tokens'), spec.outputOptional !== true);
  const cachedInputTokens = count(record.get('cachedInputTokens'), name('cachedInputTokens', 'cached_input_tokens'), false);
  if (cachedInputTokens > inputTokens) {
    throw new RowProblem(name('cachedInputTokens', 'cached_input_tokens'), `${cachedInputTokens} is more than the input tokens ${inputTokens}`);
  }
  const classes = classCounts(record, name, inputTokens, outputTokens, cachedInputTokens);
  const requestsText = record.get('requests');
  const requests = requestsText === '' ? 1 : count(requestsText, name('requests', 'requests'), true);
  const statusText = record.get('status');
  const status = parseStatusWith(STATUS_WORDS[spec.native ? 'native' : 'any'], statusText);
  if (status === null) {
    throw new RowProblem(name('status', 'status'), `expected ${spec.native ? 'ok, error' : 'ok, success, error, failure'} or an HTTP code, got "${statusText}"`);
  }
  const hashed = record.get('apiKeyHash');
  const key = keys(hashed || record.get('apiKey'), hashed !== '');
  const optional = (field: FieldName) => record.get(field) || undefined;
  const event: UsageEvent = {
    tsMs,
    requestId: optional('requestId'),
    apiKeyFp: key.fp,
    apiKeyLast4: key.last4,
    user: optional('user') ?? defaults.user,
    team: optional('team') ?? defaults.team,
    project: optional('project') ?? defaults.project,
    model,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    ...classes,
    ...(requests === 1 ? {} : { requests }),
    // Latency is informational: a value that is not a number is left out rather than rejected.
    latencyMs: parseLatency(record.get('latencyMs')) ?? undefined,
    status,
    tier: spec.tier ?? optional('tier'),
    environment: optional('environment'),
    tags: defaults.tags ? { ...defaults.tags, ...record.tags() } : record.tags(),
  };
  if (!event.apiKeyFp && !event.user && !event.team && !event.project) {
    throw new RowProblem('identity', 'no identity: the record has no API key, user, team or project');
  }
  return event;
}

/**
 * The token classes a record carries (issue 29), those that are not 0: whole numbers, cache
 * reads and writes within the input (it counts all input), reasoning within the output.
 */
function classCounts(record: RecordFields, name: (field: FieldName, fallback: string) => string, input: number, output: number, cached: number):
  Pick<UsageEvent, 'cacheWriteTokens' | 'cacheWrite1hTokens' | 'reasoningTokens' | 'webSearchCalls'> {
  const read = (field: FieldName, column: string) => count(record.get(field), name(field, column), false);
  const cacheWriteTokens = read('cacheWriteTokens', 'cache_write_tokens');
  const cacheWrite1hTokens = read('cacheWrite1hTokens', 'cache_write_1h_tokens');
  const reasoningTokens = read('reasoningTokens', 'reasoning_tokens');
  const webSearchCalls = read('webSearchCalls', 'web_search_calls');
  const written = cacheWriteTokens + cacheWrite1hTokens;
  if (written > 0 && cached + written > input) {
    const field = cacheWriteTokens > 0 ? name('cacheWriteTokens', 'cache_write_tokens') : name('cacheWrite1hTokens', 'cache_write_1h_tokens');
    throw new RowProblem(field, `cache reads and writes (${cached + written}) are more than the input tokens ${input}, which count all input`);
  }
  if (reasoningTokens > output) {
    throw new RowProblem(name('reasoningTokens', 'reasoning_tokens'), `${reasoningTokens} is more than the output tokens ${output}, which count reasoning too`);
  }
  return {
    ...(cacheWriteTokens > 0 ? { cacheWriteTokens } : {}),
    ...(cacheWrite1hTokens > 0 ? { cacheWrite1hTokens } : {}),
    ...(reasoningTokens > 0 ? { reasoningTokens } : {}),
    ...(webSearchCalls > 0 ? { webSearchCalls } : {}),
  };
}

/** `--set` compiled once per file: identity fields, and tags by name. */
interface Defaults {
  user?: string;
  team?: string;
  project?: string;
  tags?: Record<string, string>;
}

const NO_DEFAULTS: Defaults = {};

function compileDefaults(set: Readonly<Record<string, string>> | undefined): Defaults {
  if (!set) return NO_DEFAULTS;
  const tags = newTags();
  for (const [name, value] of Object.entries(set)) if (name.startsWith('tag.')) tags[name.slice(4)] = value;
  return {
    ...(set.user ? { user: set.user } : {}),
    ...(set.team ? { team: set.team } : {}),
    ...(set.project ? { project: set.project } : {}),
    ...(Object.keys(tags).length > 0 ? { tags } : {}),
  };
}

/** The top-level names a format reads, for the "ignored columns" of the batch summary. */
function knownNames(fields: FieldSpec): Set<string> {
  const paths = Object.values(fields).filter(Array.isArray).flat() as string[];
  return new Set(paths.map((p) => p.split('.')[0] ?? p));
}

/** Builds the reader of a record format: CSV rows or JSON objects, each mapped by its spec. */
export function recordReader(spec: RecordFormat, extraKnown: readonly string[] = []): Reader {
  const known = new Set([...knownNames(spec.fields), ...extraKnown]);
  return {
    format: spec.format,
    source: 'gateway',
    shape: spec.shape,
    dateField: spec.fields.timestamp[0] ?? 'timestamp',
    secrets: secretsOf(spec.fields),
    detect: spec.detect ?? ((names) => spec.signature.every((name) => names.includes(name))),
    parser: (options) => (spec.shape === 'csv' ? csvParser(spec, known, options) : jsonParser(spec, known, options)),
  };
}

function event(line: number, record: RecordFields, cells: readonly string[], spec: RecordFormat, zone: string, keys: KeyCache, defaults: Defaults): ReadItem {
  try {
    return { kind: 'event', line, event: toEvent(record, spec, zone, keys, defaults), cells };
  } catch (error) {
    // A value nested past what the engine can walk (JSON.parse reads any depth; nothing else can).
    if (error instanceof RangeError) return { kind: 'reject', reject: { line, field: null, reason: NESTED_TOO_DEEPLY, cells } };
    if (!(error instanceof RowProblem)) throw error;
    return { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells } };
  }
}

/**
 * A CSV format's fields compiled to column indexes from its header, so that a row is read
 * by index, never by name: the native gateway CSV stays as fast as its hand-written reader was.
 */
function compiledColumns(spec: RecordFormat, header: readonly string[]) {
  const names = header.map((c) => c.trim().toLowerCase());
  const entries = Object.entries(spec.fields).filter(([, v]) => Array.isArray(v)) as [FieldName, string[]][];
  const columns = Object.fromEntries(entries.map(([field, paths]) => [field, paths.map((p) => names.indexOf(p)).filter((i) => i >= 0)])) as Record<FieldName, number[]>;
  // A path into JSON held in a cell (LiteLLM's `metadata.…`) is read through a record view.
  const nested = new Set(entries.filter(([, paths]) => paths.some((p) => p.includes('.'))).map(([field]) => field));
  const tags = spec.native
    ? names.flatMap((n, i) => (n.startsWith('tag.') && n.length > 4 ? [{ name: header[i]!.trim().slice(4), index: i }] : []))
      // In name order, so that each row's tags come out sorted and need no sorting to be keyed.
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    : [];
  return { names, columns, nested, tags };
}

function csvParser(spec: RecordFormat, known: ReadonlySet<string>, { name, tz, defaults: set }: ReadOptions): IncrementalParser {
  const keys = keyCache();
  const defaults = compileDefaults(set);
  let compiled: ReturnType<typeof compiledColumns> | null = null;
  let cells: readonly string[] = [];
  let view: RecordView | null = null;
  const viewOfRow = () => (view ??= recordView(new Map(compiled!.names.map((h, i) => [h, cells[i]]))));
  const get = (field: FieldName): string => {
    if (compiled!.nested.has(field)) return viewOfRow().text(...(spec.fields[field] ?? []));
    for (const i of compiled!.columns[field] ?? []) {
      const text = (cells[i] ?? '').trim();
      if (text !== '') return text;
    }
    return '';
  };
  const record: RecordFields = {
    get,
    tags() {
      const tags = newTags();
      for (const tag of compiled!.tags) {
        const value = (cells[tag.index] ?? '').trim();
        if (value !== '') tags[tag.name] = value;
      }
      return spec.fields.tags && !spec.native ? spec.fields.tags(viewOfRow()) : tags;
    },
  };
  return csvRowsParser({
    name,
    onHeader(header) {
      compiled = compiledColumns(spec, header);
      if (spec.native) checkNativeHeader(spec, compiled, name);
      const isKnown = (c: string) => known.has(c.trim().toLowerCase()) || (spec.native === true && /^tag\../i.test(c.trim()) && c.trim().length > 4);
      return { kind: 'header', columns: header, ignored: header.filter((c) => !isKnown(c)) };
    },
    onRow(line, row) {
      cells = row;
      view = null;
      return event(line, record, row, spec, tz ?? 'UTC', keys, defaults);
    },
  });
}

/** The native header must name the required columns and at least one identity column (SPEC §3.1). */
function checkNativeHeader(spec: RecordFormat, compiled: ReturnType<typeof compiledColumns>, name: string): void {
  const required: FieldName[] = ['timestamp', 'model', 'inputTokens', 'outputTokens'];
  const missing = required.filter((f) => (compiled.columns[f] ?? []).length === 0).map((f) => spec.fields[f]?.[0] ?? f);
  if (missing.length > 0) {
    throw new InputError(name, 1, missing[0] ?? null, `missing required column (the header lacks ${missing.join(', ')})`);
  }
  const identity: FieldName[] = ['apiKey', 'user', 'team', 'project'];
  if (identity.every((f) => (compiled.columns[f] ?? []).length === 0)) {
    throw new InputError(name, 1, null, `the header has no identity column: expected at least one of ${identity.map((f) => spec.fields[f]?.[0]).join(', ')}`);
  }
}

function jsonParser(spec: RecordFormat, known: ReadonlySet<string>, { name, tz, defaults: set }: ReadOptions): IncrementalParser {
  const keys = keyCache();
  const defaults = compileDefaults(set);
  return jsonRowsParser({
    name,
    onHeader: (names) => ({ kind: 'header', columns: ['record'], ignored: names.filter((k) => !known.has(k.toLowerCase())) }),
    ...(spec.expand ? { expand: spec.expand } : {}),
    onRecord(line, record, text) {
      const view = recordView(new Map(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v])));
      const fields: RecordFields = { get: (field) => view.text(...(spec.fields[field] ?? [])), tags: () => spec.fields.tags?.(view) ?? newTags() };
      return event(line, fields, [text], spec, tz ?? 'UTC', keys, defaults);
    },
  });
}


/** Tags from `key:value` strings (a plain string becomes a tag whose value is "true"). */
export function tagsFromStrings(values: unknown): Record<string, string> {
  const tags = newTags();
  if (!Array.isArray(values)) return tags;
  for (const item of values) {
    if (typeof item !== 'string' || item.trim() === '') continue;
    const at = item.indexOf(':');
    if (at > 0) tags[item.slice(0, at).trim()] = item.slice(at + 1).trim();
    else tags[item.trim()] = 'true';
  }
  return tags;
}
