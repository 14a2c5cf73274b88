import { newTags } from '../domain/tags.js';
import { InputError } from '../domain/errors.js';
import type { UsageEvent } from '../domain/types.js';
import { fingerprintKey, isFingerprint, isSha256Hex, keptHashedKey, keptKey, lastFour } from '../secrets.js';
import { csvRowsParser } from './csv-rows.js';
import { jsonSplitter, JsonTooLong } from './json-records.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from './reader.js';
import { parseCount, parseLatency, parseTimestamp } from './values.js';

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
      current = part in object ? object[part] : Object.entries(object).find(([k]) => k.toLowerCase() === part)?.[1];
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
  latencyMs: readonly string[];
  status: readonly string[];
  tier: readonly string[];
  environment: readonly string[];
  tags?: (record: RecordView) => Record<string, string>;
}

/** A gateway format read from records: its shape, how to recognise it, where its fields are. */
export interface RecordFormat {
  format: string;
  shape: 'csv' | 'json';
  /** Lower-case names all present in a header (or the first object's keys) of this format. */
  signature: readonly string[];
  fields: FieldSpec;
}

const STATUS: Record<string, 'ok' | 'error'> = { ok: 'ok', success: 'ok', succeeded: 'ok', error: 'error', failure: 'error', failed: 'error' };

/** ok/success, error/failure in any case, an HTTP code (< 400 is ok), or empty (ok). */
function parseAnyStatus(text: string): 'ok' | 'error' | null {
  if (text === '') return 'ok';
  if (/^\d{3}$/.test(text)) return Number(text) < 400 ? 'ok' : 'error';
  return STATUS[text.toLowerCase()] ?? null;
}

function count(record: RecordView, paths: readonly string[], field: string, required: boolean): number {
  const text = record.text(...paths);
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
function keyOf(record: RecordView, fields: FieldSpec): { fp?: string; last4?: string } {
  const hashed = fields.apiKeyHash ? record.text(...fields.apiKeyHash) : '';
  const raw = hashed || (fields.apiKey ? record.text(...fields.apiKey) : '');
  if (raw === '') return {};
  // A hash or a fingerprint is not the key: it has no last four to show.
  if (isFingerprint(raw) || (hashed && isSha256Hex(hashed))) return { fp: keptHashedKey(raw) };
  return { fp: fingerprintKey(raw), last4: lastFour(raw) };
}

/** Maps one record to an event, or throws RowProblem naming the field. */
export function toEvent(record: RecordView, fields: FieldSpec, zone: string): UsageEvent {
  const stamp = record.text(...fields.timestamp);
  if (stamp === '') throw new RowProblem(fields.timestamp[0] ?? 'timestamp', 'missing');
  const tsMs = parseTimestamp(stamp, zone);
  if (tsMs === null) throw new RowProblem(fields.timestamp[0] ?? 'timestamp', `expected an ISO 8601 time or a Unix time, got "${stamp}"`);
  const model = record.text(...fields.model);
  if (model === '') throw new RowProblem(fields.model[0] ?? 'model', 'missing');
  const inputTokens = count(record, fields.inputTokens, fields.inputTokens[0] ?? 'input_tokens', true);
  const outputTokens = count(record, fields.outputTokens, fields.outputTokens[0] ?? 'output_tokens', true);
  const cachedInputTokens = count(record, fields.cachedInputTokens, fields.cachedInputTokens[0] ?? 'cached', false);
  if (cachedInputTokens > inputTokens) {
    throw new RowProblem(fields.cachedInputTokens[0] ?? 'cached', `${cachedInputTokens} is more than the input tokens ${inputTokens}`);
  }
  const statusText = record.text(...fields.status);
  const status = parseAnyStatus(statusText);
  if (status === null) throw new RowProblem(fields.status[0] ?? 'status', `expected ok, success, error, failure or an HTTP code, got "${statusText}"`);
  const key = keyOf(record, fields);
  const optional = (paths: readonly string[]) => record.text(...paths) || undefined;
  const event: UsageEvent = {
    tsMs,
    requestId: optional(fields.requestId),
    apiKeyFp: key.fp,
    apiKeyLast4: key.last4,
    user: optional(fields.user),
    team: optional(fields.team),
    project: optional(fields.project),
    model,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    latencyMs: parseLatency(record.text(...fields.latencyMs)) ?? undefined,
    status,
    tier: optional(fields.tier),
    environment: optional(fields.environment),
    tags: fields.tags?.(record) ?? {},
  };
  if (!event.apiKeyFp && !event.user && !event.team && !event.project) {
    throw new RowProblem('identity', 'no identity: the record has no API key, user, team or project');
  }
  return event;
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
    detect: (names) => spec.signature.every((name) => names.includes(name)),
    parser: (options) => (spec.shape === 'csv' ? csvParser(spec, known, options) : jsonParser(spec, known, options)),
  };
}

function event(line: number, record: RecordView, cells: readonly string[], spec: RecordFormat, zone: string): ReadItem {
  try {
    return { kind: 'event', line, event: toEvent(record, spec.fields, zone), cells };
  } catch (error) {
    // A value nested past what the engine can walk (JSON.parse reads any depth; nothing else can).
    if (error instanceof RangeError) return { kind: 'reject', reject: { line, field: null, reason: 'a value nested too deeply to read', cells } };
    if (!(error instanceof RowProblem)) throw error;
    return { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells } };
  }
}

function csvParser(spec: RecordFormat, known: ReadonlySet<string>, { name, tz }: ReadOptions): IncrementalParser {
  let header: string[] = [];
  return csvRowsParser({
    name,
    onHeader(cells) {
      header = cells.map((c) => c.trim().toLowerCase());
      return { kind: 'header', columns: cells, ignored: cells.filter((c) => !known.has(c.trim().toLowerCase())) };
    },
    onRow: (line, cells) => event(line, recordView(new Map(header.map((h, i) => [h, cells[i]]))), cells, spec, tz ?? 'UTC'),
  });
}

function jsonParser(spec: RecordFormat, known: ReadonlySet<string>, { name, tz }: ReadOptions): IncrementalParser {
  const splitter = jsonSplitter();
  let started = false;
  const toItems = (records: ReturnType<typeof splitter.push>): ReadItem[] => {
    const items: ReadItem[] = [];
    for (const record of records) {
      const raw = 'error' in record ? record.raw : record.text;
      if (!started) {
        started = true;
        const keys = 'value' in record && isObject(record.value) ? Object.keys(record.value) : [];
        items.push({ kind: 'header', columns: ['record'], ignored: keys.filter((k) => !known.has(k.toLowerCase())) });
      }
      if ('error' in record) {
        items.push({ kind: 'reject', reject: { line: record.line, field: null, reason: record.error, cells: [raw] } });
      } else if (!isObject(record.value)) {
        items.push({ kind: 'reject', reject: { line: record.line, field: null, reason: 'expected a JSON object', cells: [raw] } });
      } else {
        const top = new Map(Object.entries(record.value).map(([k, v]) => [k.toLowerCase(), v]));
        items.push(event(record.line, recordView(top), [raw], spec, tz ?? 'UTC'));
      }
    }
    return items;
  };
  const guard = <T>(read: () => T): T => {
    try {
      return read();
    } catch (error) {
      if (error instanceof JsonTooLong) throw new InputError(name, error.line, null, error.message);
      throw error;
    }
  };
  return {
    push: (text) => guard(() => toItems(splitter.push(text))),
    end() {
      const last = guard(() => toItems(splitter.end()));
      if (!started) throw new InputError(name, null, null, 'the file is empty: expected JSON objects');
      return last;
    },
  };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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
