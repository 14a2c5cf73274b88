import { newTags } from '../domain/tags.js';
import { InputError } from '../domain/errors.js';
import type { UsageEvent } from '../domain/types.js';
import { fingerprintKey, isFingerprint, keptKey, lastFour } from '../secrets.js';
import { csvRowsParser } from './csv-rows.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from './reader.js';
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

/** Where each field sits in a row (-1: absent), and the `tag.NAME` columns. */
type Layout = Record<Field, number> & { tags: { name: string; index: number }[]; ignored: string[]; width: number };

/** Maps header cells to fields, case-insensitively, with aliases and `tag.NAME` columns. */
function layoutOf(header: readonly string[]): Layout {
  const layout = Object.fromEntries((Object.keys(ALIASES) as Field[]).map((f) => [f, -1])) as unknown as Layout;
  layout.tags = [];
  layout.ignored = [];
  layout.width = header.length;
  header.forEach((cell, i) => {
    const name = cell.trim().toLowerCase();
    const field = (Object.keys(ALIASES) as Field[]).find((f) => ALIASES[f].includes(name));
    if (field && layout[field] < 0) layout[field] = i;
    else if (name.startsWith('tag.') && name.length > 4) layout.tags.push({ name: cell.trim().slice(4), index: i });
    else layout.ignored.push(cell);
  });
  // In name order, so that each row's tags come out sorted and need no sorting to be keyed.
  layout.tags.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return layout;
}

function checkLayout(layout: Layout, name: string): void {
  const missing = REQUIRED.filter((f) => layout[f] < 0);
  if (missing.length > 0) {
    throw new InputError(name, 1, missing[0] ?? null, `missing required column (the header lacks ${missing.join(', ')})`);
  }
  if (IDENTITY.every((f) => layout[f] < 0)) {
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

const EXPECTED = {
  timestamp: 'an ISO 8601 time with an offset or Z, or Unix seconds',
  count: 'a whole number',
  status: 'ok, error or an HTTP status code',
};

/**
 * Turns one row into an event, or throws RowProblem naming the field (SPEC §8.2). Written
 * for speed: it runs once per row of files with millions of rows.
 */
function toEvent(cells: readonly string[], layout: Layout, keys: KeyCache): UsageEvent {
  const cell = (i: number): string => (i < 0 ? '' : (cells[i] ?? '').trim());
  const text = cell(layout.timestamp);
  const tsMs = parseInstant(text);
  if (tsMs === null) throw problem('timestamp', text, EXPECTED.timestamp);
  const model = cell(layout.model);
  if (model === '') throw new RowProblem('model', 'missing');
  const inputTokens = count(cell(layout.input_tokens), 'input_tokens');
  const outputTokens = count(cell(layout.output_tokens), 'output_tokens');
  const cachedText = cell(layout.cached_input_tokens);
  const cachedInputTokens = cachedText === '' ? 0 : count(cachedText, 'cached_input_tokens');
  if (cachedInputTokens > inputTokens) {
    throw new RowProblem('cached_input_tokens', `${cachedInputTokens} is more than input_tokens ${inputTokens}`);
  }
  const statusText = cell(layout.status);
  const status = parseStatus(statusText);
  if (status === null) throw problem('status', statusText, EXPECTED.status);
  const key = keys(cell(layout.api_key));
  const user = cell(layout.user) || undefined;
  const team = cell(layout.team) || undefined;
  const project = cell(layout.project) || undefined;
  if (!key && !user && !team && !project) {
    throw new RowProblem(IDENTITY.join('/'), 'no identity: the row needs an api_key, user, team or project');
  }
  const tags = newTags();
  for (const tag of layout.tags) {
    const value = cell(tag.index);
    if (value !== '') tags[tag.name] = value;
  }
  // Latency is informational: a value that is not a number is left out rather than rejected.
  const latency = parseLatency(cell(layout.latency_ms));
  return {
    tsMs,
    requestId: cell(layout.request_id) || undefined,
    apiKeyFp: key?.fingerprint,
    apiKeyLast4: key?.last4,
    user,
    team,
    project,
    model,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    latencyMs: latency ?? undefined,
    status,
    tier: cell(layout.tier) || undefined,
    environment: cell(layout.environment) || undefined,
    tags,
  };
}

function count(text: string, field: string): number {
  const value = parseCount(text);
  if (value === null) throw problem(field, text, EXPECTED.count);
  return value;
}

function problem(field: string, text: string, expected: string): RowProblem {
  return new RowProblem(field, text === '' ? 'missing' : `expected ${expected}, got "${text}"`);
}

type KeyCache = (rawKey: string) => { fingerprint: string; last4: string } | undefined;

/** Fingerprints keys once each: a log repeats a few hundred keys millions of times. */
function keyCache(): KeyCache {
  const seen = new Map<string, { fingerprint: string; last4: string }>();
  return (rawKey) => {
    if (rawKey === '') return undefined;
    let key = seen.get(rawKey);
    if (!key) {
      if (seen.size >= 100_000) seen.clear();
      // A key given as its fingerprint is kept as it is (a rejects file holds them so).
      key = isFingerprint(rawKey) ? { fingerprint: rawKey, last4: '' } : { fingerprint: fingerprintKey(rawKey), last4: lastFour(rawKey) };
      seen.set(rawKey, key);
    }
    return key;
  };
}

/** Parses the native CSV: the header first, then events and rejects in file order. */
function nativeCsvParser({ name }: ReadOptions): IncrementalParser {
  const keys = keyCache();
  let layout: Layout | null = null;
  return csvRowsParser({
    name,
    onHeader(cells) {
      layout = layoutOf(cells);
      checkLayout(layout, name);
      return { kind: 'header', columns: cells, ignored: layout.ignored };
    },
    onRow: (line, cells) => rowItem(line, cells, layout!, keys),
  });
}

function rowItem(line: number, cells: string[], layout: Layout, keys: KeyCache): ReadItem {
  try {
    return { kind: 'event', line, event: toEvent(cells, layout, keys), cells };
  } catch (error) {
    if (!(error instanceof RowProblem)) throw error;
    return { kind: 'reject', reject: { line, field: error.field, reason: error.message, cells } };
  }
}

/** The native gateway CSV of SPEC §3.1. */
export const gatewayCsv: Reader = {
  format: 'csv',
  source: 'gateway',
  shape: 'csv',
  dateField: 'timestamp',
  secrets: { fields: ALIASES.api_key, keep: keptKey },
  detect(header) {
    const layout = layoutOf(header);
    return REQUIRED.every((f) => layout[f] >= 0);
  },
  parser: nativeCsvParser,
};
