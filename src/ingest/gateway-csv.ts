import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { InputError } from '../domain/errors.js';
import type { UsageEvent } from '../domain/types.js';
import { fingerprintKey, lastFour } from '../secrets.js';
import type { ReadItem, Reader, ReadOptions, RejectedRow } from './reader.js';
import { parseCount, parseInstant, parseLatency, parseStatus } from './values.js';

type Field =
  | 'timestamp'
  | 'request_id'
  | 'api_key'
  | 'user'
  | 'team'
  | 'project'
  | 'model'
  | 'input_tokens'
  | 'output_tokens'
  | 'cached_input_tokens'
  | 'latency_ms'
  | 'status'
  | 'tier'
  | 'environment';

/** Header names (lower case) each field is known by: exports drift, so aliases are accepted. */
const ALIASES: Record<Field, readonly string[]> = {
  timestamp: ['timestamp', 'ts', 'time'],
  request_id: ['request_id', 'requestid'],
  api_key: ['api_key', 'apikey'],
  user: ['user', 'user_id'],
  team: ['team', 'team_id'],
  project: ['project', 'project_id'],
  model: ['model'],
  input_tokens: ['input_tokens', 'prompt_tokens'],
  output_tokens: ['output_tokens', 'completion_tokens'],
  cached_input_tokens: ['cached_input_tokens', 'cached_tokens'],
  latency_ms: ['latency_ms', 'latency'],
  status: ['status', 'status_code'],
  tier: ['tier', 'service_tier'],
  environment: ['environment', 'env'],
};
const REQUIRED: readonly Field[] = ['timestamp', 'model', 'input_tokens', 'output_tokens'];
const IDENTITY: readonly Field[] = ['api_key', 'user', 'team', 'project'];

interface Layout {
  index: Partial<Record<Field, number>>;
  tags: { name: string; index: number }[];
  ignored: string[];
}

/** Maps header cells to fields, case-insensitively, with aliases and `tag.NAME` columns. */
function layoutOf(header: readonly string[]): Layout {
  const layout: Layout = { index: {}, tags: [], ignored: [] };
  header.forEach((cell, i) => {
    const name = cell.trim().toLowerCase();
    const field = (Object.keys(ALIASES) as Field[]).find((f) => ALIASES[f].includes(name));
    if (field && layout.index[field] === undefined) layout.index[field] = i;
    else if (name.startsWith('tag.') && name.length > 4) layout.tags.push({ name: cell.trim().slice(4), index: i });
    else layout.ignored.push(cell);
  });
  return layout;
}

function checkLayout(layout: Layout, name: string): void {
  const missing = REQUIRED.filter((f) => layout.index[f] === undefined);
  if (missing.length > 0) {
    throw new InputError(name, 1, missing[0] ?? null, `missing required column (the header lacks ${missing.join(', ')})`);
  }
  if (IDENTITY.every((f) => layout.index[f] === undefined)) {
    throw new InputError(name, 1, null, `the header has no identity column: expected at least one of ${IDENTITY.join(', ')}`);
  }
}

class RowProblem extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Turns one row into an event, or throws RowProblem naming the field (SPEC §8.2). */
function toEvent(cells: readonly string[], layout: Layout): UsageEvent {
  const cell = (field: Field): string => {
    const i = layout.index[field];
    return i === undefined ? '' : (cells[i] ?? '').trim();
  };
  const required = <T>(field: Field, parse: (text: string) => T | null, expected: string): T => {
    const text = cell(field);
    const value = parse(text);
    if (value === null) throw new RowProblem(field, text === '' ? 'missing' : `expected ${expected}, got "${text}"`);
    return value;
  };

  const tsMs = required('timestamp', parseInstant, 'an ISO 8601 time with an offset or Z, or Unix seconds');
  const model = required('model', (t) => (t === '' ? null : t), 'a model name');
  const inputTokens = required('input_tokens', parseCount, 'a whole number');
  const outputTokens = required('output_tokens', parseCount, 'a whole number');
  const cachedText = cell('cached_input_tokens');
  const cachedInputTokens = cachedText === '' ? 0 : required('cached_input_tokens', parseCount, 'a whole number');
  if (cachedInputTokens > inputTokens) {
    throw new RowProblem('cached_input_tokens', `${cachedInputTokens} is more than input_tokens ${inputTokens}`);
  }
  const status = required('status', parseStatus, 'ok, error or an HTTP status code');
  const rawKey = cell('api_key');
  const optional = (field: Field) => (cell(field) === '' ? {} : { [camel(field)]: cell(field) });
  const event: UsageEvent = {
    tsMs,
    ...optional('request_id'),
    ...(rawKey === '' ? {} : { apiKeyFp: fingerprintKey(rawKey), apiKeyLast4: lastFour(rawKey) }),
    ...optional('user'),
    ...optional('team'),
    ...optional('project'),
    model,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    ...latencyOf(cell('latency_ms')),
    status,
    ...optional('tier'),
    ...optional('environment'),
    tags: Object.fromEntries(
      layout.tags.map((t) => [t.name, (cells[t.index] ?? '').trim()] as const).filter(([, v]) => v !== ''),
    ),
  };
  if (!event.apiKeyFp && !event.user && !event.team && !event.project) {
    throw new RowProblem(IDENTITY.join('/'), 'no identity: the row needs an api_key, user, team or project');
  }
  return event;
}

/** Latency is informational: a value that is not a number is left out rather than rejected. */
function latencyOf(text: string): { latencyMs?: number } {
  const latency = parseLatency(text);
  return latency === null ? {} : { latencyMs: latency };
}

function camel(field: Field): string {
  return field.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The line a record starts on, from the line it ends on and its raw text. */
function startLine(endLine: number, raw: string): number {
  const body = raw.replace(/^[\r\n]+/, '').replace(/\r?\n$/, '');
  return endLine - (body.match(/\n/g)?.length ?? 0);
}

async function* readNativeCsv(input: Readable, { name }: ReadOptions): AsyncIterable<ReadItem> {
  const skipped: RejectedRow[] = [];
  const parser = input.pipe(
    parse({ bom: true, skip_empty_lines: true, relax_column_count: true, info: true, raw: true, skip_records_with_error: true }),
  );
  // A malformed quote makes csv-parse skip the record (and what it swallowed): reject it whole.
  parser.on('skip', (error: Error & { lines?: number; raw?: string }) => {
    skipped.push({ line: error.lines ?? 0, field: null, reason: `unreadable CSV: ${error.message}`, cells: [error.raw ?? ''] });
  });
  let layout: Layout | null = null;
  let width = 0;
  for await (const { record, info, raw } of parser as AsyncIterable<{ record: string[]; info: { lines: number }; raw: string }>) {
    const line = startLine(info.lines, raw);
    if (!layout) {
      layout = layoutOf(record);
      checkLayout(layout, name);
      width = record.length;
      yield { kind: 'header', columns: record, ignored: layout.ignored };
      continue;
    }
    yield* takeBefore(skipped, line);
    if (record.length !== width) {
      yield { kind: 'reject', reject: { line, field: null, reason: `expected ${width} cells, got ${record.length}`, cells: record } };
      continue;
    }
    try {
      yield { kind: 'event', line, event: toEvent(record, layout) };
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error;
      yield { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells: record } };
    }
  }
  if (!layout) throw new InputError(name, null, null, 'the file is empty: expected a header line');
  yield* takeBefore(skipped, Infinity);
}

/**
 * The parser reads ahead, so it reports unreadable spans before the records in front of
 * them reach us: hand them on in line order, and never before the header.
 */
function* takeBefore(skipped: RejectedRow[], line: number): Iterable<ReadItem> {
  while (skipped.length > 0 && (skipped[0]?.line ?? 0) < line) {
    const reject = skipped.shift();
    if (reject) yield { kind: 'reject', reject };
  }
}

/** The native gateway CSV of SPEC §3.1. */
export const gatewayCsv: Reader = {
  format: 'csv',
  source: 'gateway',
  detect(header) {
    const layout = layoutOf(header);
    return REQUIRED.every((f) => layout.index[f] !== undefined);
  },
  read: readNativeCsv,
};
