import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isCollection, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { RateCardError } from '../domain/errors.js';
import { collectIssues, formatPath, type FieldPath } from '../domain/fields.js';
import type { RateCard } from '../domain/types.js';
import { parseRateCard } from './schema.js';
import type { PriceListParams } from '../domain/methods/price-list.js';
import { litellmPriceRows } from '../domain/methods/litellm-prices.js';
import { fingerprintKey, isFingerprint } from '../secrets.js';

/**
 * A validated rate card and the SHA-256 of the exact bytes it was read from (of its stored
 * text, when that differs: raw keys replaced by their fingerprints).
 */
export interface LoadedRateCard {
  card: RateCard;
  sha256: string;
  file: string;
  /** The card as written, kept with every run so that it can be recomputed; a raw API key in it as its fingerprint. */
  text: string;
  /** Where the card names a raw API key (`cost_centres[0].match.api_key`), with the fingerprint a run keeps in its place. */
  rawKeys: { path: string; last4: string; fingerprint: string }[];
  /** The text of each file the card loads (a price map), by the name the card gives it: kept with the run too. */
  files: Record<string, string>;
}

/** The text of a file a card names, by that name; throws with the reason it cannot be read. */
export type CardFiles = (name: string) => string;

/**
 * Reads and validates a rate card file. Throws RateCardError listing every problem as
 * `card.yaml:14: pools[0].cost.fixed: expected …`, each naming the line.
 */
export function readRateCard(file: string): LoadedRateCard {
  let bytes: Buffer;
  try {
    bytes = readAtMost(file, RATE_CARD_LIMITS.chars * 4 + 1);
  } catch (error) {
    throw new RateCardError(file, [`${file}: cannot read the rate card (${(error as NodeJS.ErrnoException).code ?? error})`]);
  }
  const name = basename(file);
  const text = bytes.toString('utf8');
  const files: Record<string, string> = {};
  const card = parseRateCardText(text, name, (named) => (files[named] = readAtMost(resolve(dirname(file), named), PRICE_FILE_BYTES).toString('utf8')));
  const rawKeys = rawKeysIn(text);
  const unchanged = { card, sha256: createHash('sha256').update(bytes).digest('hex'), file, text, files };
  if (rawKeys.length === 0) return { ...unchanged, rawKeys: [] };
  // A run keeps the card's text: never a raw key in it. Its fingerprint matches the same usage,
  // so the run recomputes from the stored text as from the card; a text that would read as
  // another card (a short "key" that is also part of a name) is kept as written.
  const stored = rawKeys.reduce((out, { key }) => out.split(key).join(fingerprintKey(key)), text);
  const same = sameCard(card, () => parseRateCardText(stored, name, storedCardFiles(files)));
  return {
    ...(same ? { sha256: createHash('sha256').update(stored, 'utf8').digest('hex'), text: stored } : unchanged),
    card, file, files,
    rawKeys: rawKeys.map(({ path, key }) => ({ path, last4: key.slice(-4), fingerprint: fingerprintKey(key) })),
  };
}

/** Whether another text reads as the same card (its match rules included, which are maps). */
function sameCard(card: RateCard, other: () => RateCard): boolean {
  const text = (c: RateCard) => JSON.stringify(c, (_, value: unknown) => (value instanceof Map ? [...value] : value));
  try {
    return text(other()) === text(card);
  } catch {
    return false;
  }
}

/** The raw API keys (not `sha256:` fingerprints) a card's cost centres match, where each is. */
function rawKeysIn(text: string): { path: string; key: string }[] {
  const plain = parseDocument(text).toJS({ maxAliasCount: RATE_CARD_LIMITS.aliases }) as { cost_centres?: { match?: { api_key?: unknown } }[] } | null;
  const centres = Array.isArray(plain?.cost_centres) ? plain.cost_centres : [];
  return centres.flatMap((centre, i) => {
    const keys = centre?.match?.api_key;
    const list = typeof keys === 'string' ? [keys] : Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    return list.filter((key) => key !== '' && !isFingerprint(key)).map((key) => ({ path: `cost_centres[${i}].match.api_key`, key }));
  });
}

/** A stored run's files, as `parseRateCardText` reads them: a file the run does not hold is an error. */
export function storedCardFiles(stored: Readonly<Record<string, string>> | null): CardFiles {
  return (name) => {
    const text = stored?.[name];
    if (text === undefined) throw new Error('the run does not hold it (computed before runs kept the files their card loads)');
    return text;
  };
}

/**
 * A file's bytes, at most `limit` of them: a card that is a device or a FIFO with no end
 * (`/dev/zero`) is read up to the limit and refused for its size, never read without bound.
 */
function readAtMost(file: string, limit: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(1 << 16, limit - total));
      const read = chunk.length === 0 ? 0 : readSync(fd, chunk, 0, chunk.length, null);
      if (read === 0) break;
      chunks.push(chunk.subarray(0, read));
      total += read;
    }
    return Buffer.concat(chunks);
  } finally {
    closeSync(fd);
  }
}

/** A price map past this is no price map (LiteLLM's whole map is under 2 MB): it is read no further. */
const PRICE_FILE_BYTES = 64 << 20;

/** A rate card is a page of settings: past these it is refused (issue 13, documented in the README). */
export const RATE_CARD_LIMITS = { chars: 1 << 20, aliases: 100 } as const;

/** Parses rate card YAML text; `name` prefixes every message; `files` reads what the card loads. */
export function parseRateCardText(text: string, name: string, files: CardFiles = storedCardFiles(null)): RateCard {
  const lineCounter = new LineCounter();
  if (text.length > RATE_CARD_LIMITS.chars) throw new RateCardError(name, [`${name}: a rate card of ${text.length} characters is past the limit of ${RATE_CARD_LIMITS.chars}`]);
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => `${name}:${lineCounter.linePos(e.pos[0]).line}: YAML syntax: ${firstLine(e.message)}`);
    throw new RateCardError(name, problems);
  }
  const issues = collectIssues();
  let plain: unknown;
  try {
    // Aliases are expanded at most maxAliasCount times: a "billion laughs" card is refused, not expanded.
    plain = doc.toJS({ maxAliasCount: RATE_CARD_LIMITS.aliases });
  } catch (error) {
    throw new RateCardError(name, [`${name}: YAML aliases expand past the limit of ${RATE_CARD_LIMITS.aliases} (${firstLine((error as Error).message)})`]);
  }
  const card = parseRateCard(plain, issues);
  if (card && issues.list.length === 0) {
    // A price row knows its line, so a compute-time problem with it (two globs for one model) names it.
    for (const [i, pool] of card.pools.entries()) {
      const params = pool.params as Partial<PriceListParams> | null;
      for (const row of params?.rows ?? []) row.line = lineOf(doc, row.path, lineCounter);
      if (params?.pricesFile !== undefined) params.fileRows = priceFileRows(params.pricesFile, files, `${name}:${lineOf(doc, ['pools', i, 'prices_file'], lineCounter)}: pools[${i}].prices_file`);
    }
    return card;
  }
  const problems = issues.list.map((issue) => {
    const line = lineOf(doc, issue.path, lineCounter);
    const where = issue.path.length > 0 ? `${formatPath(issue.path)}: ` : '';
    return `${name}:${line}: ${where}${issue.message}`;
  });
  throw new RateCardError(name, problems);
}

/** The line of the deepest node on `path` that exists (a missing key points at its parent). */
function lineOf(doc: Document, path: FieldPath, lineCounter: LineCounter): number {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
    if ((isScalar(node) || isCollection(node)) && node.range) return lineCounter.linePos(node.range[0]).line;
  }
  return 1;
}

/** A price-list pool's LiteLLM price map, read and turned into rows; `at` names the card's line when it cannot be read. */
function priceFileRows(named: string, files: CardFiles, at: string) {
  let text: string;
  try {
    text = files(named);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new RateCardError(named, [`${at}: cannot read the price file "${named}" (${reason})`]);
  }
  return litellmPriceRows(text, named);
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
