import { inTimeLimits, offsetOf } from '../values.js';
import { newTags } from '../../domain/tags.js';
import { Decimal, parseDecimal } from '../../domain/money.js';

/** Cells that mean "no value" in billing exports: empty, NULL, null, None. */
export function isMissing(text: string): boolean {
  return text === '' || /^(null|none)$/i.test(text);
}

/** Money as decimal text (scientific notation too: `5.64902E-05`), never through a float. */
export function parseMoney(text: string): Decimal | null {
  return isMissing(text) ? null : parseDecimal(text);
}

export type DateOrder = 'mdy' | 'dmy';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;
const SLASHED = /^(\d{1,2})\/(\d{1,2})\/(\d{2}|\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A billing date or time as UTC milliseconds: ISO 8601 (`2024-09-01 00:00:00`, `…T…Z`,
 * with or without a zone: without one it is UTC, as billing exports are), or a slashed date
 * `9/2/2023` or `5/1/25` read month first unless `order` is `dmy` (two-digit years are 20xx).
 */
export function parseBillingDate(text: string, order: DateOrder = 'mdy'): number | null {
  const iso = ISO.exec(text);
  if (iso) {
    const [y, mo, d, h, mi, s] = [iso[1], iso[2], iso[3], iso[4] ?? '0', iso[5] ?? '0', iso[6] ?? '0'].map(Number) as number[];
    const ms = Number((iso[7] ?? '').padEnd(3, '0').slice(0, 3));
    const utc = valid(y!, mo!, d!, h!, mi!, s!, ms);
    if (utc === null) return null;
    const offset = iso[8] ? offsetOf(iso[8]) : 0;
    return offset === null ? null : inTimeLimits(utc - offset * 60_000);
  }
  const slashed = SLASHED.exec(text);
  if (!slashed) return null;
  const [a, b, year] = [Number(slashed[1]), Number(slashed[2]), Number(slashed[3])];
  const [month, day] = order === 'mdy' ? [a, b] : [b, a];
  const fullYear = slashed[3]!.length === 2 ? 2000 + year : year;
  return valid(fullYear, month, day, Number(slashed[4] ?? 0), Number(slashed[5] ?? 0), Number(slashed[6] ?? 0), 0);
}

function valid(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  const utc = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(utc);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  return inTimeLimits(utc);
}

/**
 * Tags from a JSON object cell, with or without its outer braces (Azure writes
 * `"a": "x","b": "y"`). Keys are trimmed (FOCUS samples have `" org"`); when two keys meet
 * after trimming, the last wins. Values become strings. Returns null when it is not JSON.
 */
export function parseTags(text: string): Record<string, string> | null {
  if (isMissing(text) || text.trim() === '{}') return {};
  const body = text.trim();
  let value: unknown;
  try {
    value = JSON.parse(body.startsWith('{') || body.startsWith('[') ? body : `{${body}}`);
  } catch {
    // pandas writes nested columns as Python literals: read those too, reject anything else.
    const json = body.startsWith('{') || body.startsWith('[') ? pythonLiteralAsJson(body) : null;
    try {
      value = json === null ? null : JSON.parse(json);
    } catch {
      value = null;
    }
    if (value === null) return null;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    // GCP labels: [{ "key": …, "value": … }]
    if (Array.isArray(value)) return Object.fromEntries(value.filter(isPair).map((p) => [String(p.key).trim(), String(p.value ?? '')]));
    return null;
  }
  const tags = newTags();
  for (const [key, v] of Object.entries(value)) {
    if (v === null || v === undefined) continue;
    tags[key.trim()] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return tags;
}

function isPair(item: unknown): item is { key: unknown; value: unknown } {
  return typeof item === 'object' && item !== null && 'key' in item;
}

export { Decimal };

/**
 * A Python literal of lists, dicts, strings, numbers, None, True and False (what pandas
 * writes for a nested BigQuery column: `[{'key': 'env', 'value': 'prod'}]`) as JSON text,
 * numbers kept as written; null when the text is not such a literal. JSON text comes back as
 * it is.
 */
export function pythonLiteralAsJson(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let value = '';
      let j = i + 1;
      for (; j < text.length && text[j] !== c; j++) {
        if (text[j] === '\\' && j + 1 < text.length) {
          j++;
          const hex = text[j] === 'x' ? 2 : text[j] === 'u' ? 4 : 0;
          if (hex > 0 && /^[0-9a-fA-F]+$/.test(text.slice(j + 1, j + 1 + hex)) && text.slice(j + 1, j + 1 + hex).length === hex) {
            value += String.fromCharCode(parseInt(text.slice(j + 1, j + 1 + hex), 16));
            j += hex;
          } else value += ({ n: '\n', t: '\t', r: '\r' } as Record<string, string>)[text[j]!] ?? text[j];
        } else value += text[j];
      }
      if (j >= text.length) return null;
      out += JSON.stringify(value);
      i = j;
      continue;
    }
    const word = /^(None|True|False)\b/.exec(text.slice(i, i + 5));
    if (word) {
      out += word[1] === 'None' ? 'null' : word[1] === 'True' ? 'true' : 'false';
      i += word[1]!.length - 1;
      continue;
    }
    // A number is copied whole: its exponent (`-5e-06`, as pandas writes small credits) is no word.
    const number = /^-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
    if (number && (c === '-' || /\d/.test(c))) {
      out += number[0];
      i += number[0].length - 1;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) return null;
    out += c;
  }
  return out;
}
