import { Decimal, parseDecimal } from './money.js';

/** A path into a parsed document: keys and list indexes, as `pools[0].cost.fixed`. */
export type FieldPath = readonly (string | number)[];

/** One thing wrong with a document, at a path. The loader adds file and line. */
export interface Issue {
  path: FieldPath;
  message: string;
}

/** Collects issues while a document is checked, so that all of them are reported at once. */
export interface Issues {
  add(path: FieldPath, message: string): void;
  readonly list: readonly Issue[];
}

export function collectIssues(): Issues {
  const list: Issue[] = [];
  return { list, add: (path, message) => void list.push({ path, message }) };
}

/** Renders a path as `pools[0].cost.fixed`. */
export function formatPath(path: FieldPath): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part),
    '',
  );
}

export type Raw = Record<string, unknown>;

export function isRecord(value: unknown): value is Raw {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Describes a value the way a person wrote it, for "got …" in messages. */
export function describe(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** Reports keys of `raw` that are not in `allowed`, naming the nearest valid key. */
export function checkKeys(raw: Raw, allowed: readonly string[], path: FieldPath, issues: Issues): void {
  for (const key of Object.keys(raw)) {
    if (allowed.includes(key)) continue;
    const near = nearest(key, allowed);
    const hint = near ? ` (did you mean "${near}"?)` : ` (expected one of: ${allowed.join(', ')})`;
    issues.add([...path, key], `unknown key "${key}"${hint}`);
  }
}

/** Requires a mapping; reports and returns null otherwise. */
export function readRecord(value: unknown, path: FieldPath, issues: Issues): Raw | null {
  if (isRecord(value)) return value;
  issues.add(path, `expected a mapping, got ${describe(value)}`);
  return null;
}

/** Requires a non-empty string. */
export function readString(value: unknown, path: FieldPath, issues: Issues): string | null {
  if (typeof value === 'string' && value.trim() !== '') return value;
  if (typeof value === 'number') return String(value);
  issues.add(path, `expected a non-empty string, got ${describe(value)}`);
  return null;
}

/** Requires a list of strings (a single string is taken as a list of one). */
export function readStringList(value: unknown, path: FieldPath, issues: Issues): string[] | null {
  const items = Array.isArray(value) ? value : [value];
  const out: string[] = [];
  let ok = true;
  items.forEach((item, i) => {
    const at = Array.isArray(value) ? [...path, i] : path;
    if (typeof item === 'string' || typeof item === 'number') out.push(String(item));
    else {
      issues.add(at, `expected a string, got ${describe(item)}`);
      ok = false;
    }
  });
  return ok ? out : null;
}

/**
 * Requires money or another exact figure written as a quoted decimal string: a YAML number
 * has already passed through a binary float, so it is refused with a hint.
 */
export function readDecimal(value: unknown, path: FieldPath, issues: Issues): Decimal | null {
  if (typeof value === 'number') {
    issues.add(path, `expected a decimal string, got ${value} (a YAML number: quote money)`);
    return null;
  }
  const parsed = typeof value === 'string' ? parseDecimal(value) : null;
  if (parsed) return parsed;
  issues.add(path, `expected a decimal string (below 10^30, at most 64 characters), got ${describe(value)}`);
  return null;
}

/** Requires one of the listed words. */
export function readChoice<T extends string>(
  value: unknown,
  choices: readonly T[],
  path: FieldPath,
  issues: Issues,
): T | null {
  if (typeof value === 'string' && (choices as readonly string[]).includes(value)) return value as T;
  const near = typeof value === 'string' ? nearest(value, choices) : null;
  const hint = near ? ` (did you mean "${near}"?)` : '';
  issues.add(path, `expected one of ${choices.join(', ')}, got ${describe(value)}${hint}`);
  return null;
}

/** The candidate within edit distance 2 (or a third of the word) of `word`, if any. */
export function nearest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

export { Decimal };

/**
 * A count or size such as `per`, `included`, `capacity` or `up_to`: a whole YAML number
 * (exact below 2^53) or a quoted decimal string. Refuses negatives, and zero when `positive`.
 */
export function readMeasure(value: unknown, path: FieldPath, issues: Issues, positive: boolean): Decimal | null {
  let parsed: Decimal | null = null;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      issues.add(path, `expected a whole number or a quoted decimal, got ${value} (a YAML number: quote it)`);
      return null;
    }
    parsed = new Decimal(value);
  } else if (typeof value === 'string') parsed = parseDecimal(value);
  if (!parsed) {
    issues.add(path, `expected a number, got ${describe(value)}`);
    return null;
  }
  if (parsed.isNegative() || (positive && parsed.isZero())) {
    issues.add(path, `expected a ${positive ? 'positive' : 'non-negative'} number, got ${parsed.toFixed()}`);
    return null;
  }
  return parsed;
}

/** Money that may not be negative (a price, a rate, a fee). */
export function readPrice(value: unknown, path: FieldPath, issues: Issues): Decimal | null {
  const price = readDecimal(value, path, issues);
  if (price?.isNegative()) {
    issues.add(path, `expected a price of 0 or more, got ${price.toFixed()}`);
    return null;
  }
  return price;
}
