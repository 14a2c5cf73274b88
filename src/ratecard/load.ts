import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { isCollection, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import { RateCardError } from '../domain/errors.js';
import { collectIssues, formatPath, type FieldPath } from '../domain/fields.js';
import type { RateCard } from '../domain/types.js';
import { parseRateCard } from './schema.js';
import type { PriceListParams } from '../domain/methods/price-list.js';

/** A validated rate card and the SHA-256 of the exact bytes it was read from. */
export interface LoadedRateCard {
  card: RateCard;
  sha256: string;
  file: string;
  /** The card as written, kept with every run so that it can be recomputed. */
  text: string;
}

/**
 * Reads and validates a rate card file. Throws RateCardError listing every problem as
 * `card.yaml:14: pools[0].cost.fixed: expected …`, each naming the line.
 */
export function readRateCard(file: string): LoadedRateCard {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new RateCardError(file, [`${file}: cannot read the rate card (${(error as NodeJS.ErrnoException).code ?? error})`]);
  }
  const name = basename(file);
  const text = bytes.toString('utf8');
  const card = parseRateCardText(text, name);
  return { card, sha256: createHash('sha256').update(bytes).digest('hex'), file, text };
}

/** A rate card is a page of settings: past these it is refused (issue 13, documented in the README). */
export const RATE_CARD_LIMITS = { chars: 1 << 20, aliases: 100 } as const;

/** Parses rate card YAML text; `name` prefixes every message. */
export function parseRateCardText(text: string, name: string): RateCard {
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
    for (const pool of card.pools) {
      for (const row of (pool.params as Partial<PriceListParams> | null)?.rows ?? []) row.line = lineOf(doc, row.path, lineCounter);
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

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
