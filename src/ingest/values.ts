import { zonedToUtc } from '../domain/month.js';

/** Small parsers shared by the readers. Each returns null when the text is not a value. */

/**
 * The instants we read (issue 13, documented in the README): 1970 to 2199, offsets within
 * ±14:00 as real zones are. A year 0001 or an offset +99:99 is a reject, never a guess.
 */
export const TIME_LIMITS = { fromMs: Date.UTC(1970, 0, 1), toMs: Date.UTC(2200, 0, 1), maxOffsetMinutes: 14 * 60 } as const;

/** The instant, when it lies within TIME_LIMITS. */
export function inTimeLimits(ms: number | null): number | null {
  return ms !== null && Number.isFinite(ms) && ms >= TIME_LIMITS.fromMs && ms < TIME_LIMITS.toMs ? ms : null;
}

/** Minutes east of UTC of `Z`, `+hh`, `+hhmm` or `+hh:mm`; null past ±14:00 or 59 minutes. */
export function offsetOf(zone: string): number | null {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2) || '0');
  if (minutes > 59 || hours * 60 + minutes > TIME_LIMITS.maxOffsetMinutes) return null;
  return sign * (hours * 60 + minutes);
}

const UNIX_SECONDS = /^(\d{1,11})(?:\.(\d+))?$/;

/**
 * An instant as UTC milliseconds from ISO 8601 text with an offset or `Z`, or from Unix
 * seconds (SPEC §3.1). Fractions below a millisecond are truncated. A time without a zone
 * is refused: the native format has no default zone (SPEC §8.2).
 */
export function parseInstant(text: string): number | null {
  const fast = parseUtcIso(text);
  if (fast !== undefined) return fast;
  const unix = UNIX_SECONDS.exec(text);
  if (unix) return inTimeLimits(Number(unix[1]) * 1000 + Number((unix[2] ?? '').padEnd(3, '0').slice(0, 3)));
  return parseIso(text, null);
}

/**
 * ISO 8601 with `T` or a space and any fraction: with an offset or `Z` as given; without
 * one, a wall time in `zone`, or refused when `zone` is null. Null for an invalid time.
 */
function parseIso(text: string, zone: string | null): number | null {
  const m = ISO_ANY.exec(text);
  if (!m || (m[8] === undefined && zone === null)) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number, number, number, number, number, number,
  ];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    return null;
  }
  if (m[8] === undefined) return inTimeLimits(zonedToUtc(wall, zone ?? 'UTC'));
  const offset = offsetOf(m[8]);
  return offset === null ? null : inTimeLimits(wall - offset * 60_000);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * The common `YYYY-MM-DDTHH:MM:SS[.mmm]Z` shape, read by character codes: it is most of
 * every gateway log, and the general pattern costs a regex and an array per row. Returns
 * undefined for any other shape (the caller tries the general forms), null when invalid.
 */
function parseUtcIso(text: string): number | null | undefined {
  const length = text.length;
  if ((length !== 20 && length !== 24) || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 ||
      text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || (length === 24 && text.charCodeAt(19) !== 46)) {
    return undefined;
  }
  const digits = (from: number, count: number): number => {
    let value = 0;
    for (let i = from; i < from + count; i++) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return NaN;
      value = value * 10 + d;
    }
    return value;
  };
  const year = digits(0, 4);
  const month = digits(5, 2);
  const day = digits(8, 2);
  const hour = digits(11, 2);
  const minute = digits(14, 2);
  const second = digits(17, 2);
  const ms = length === 24 ? digits(20, 3) : 0;
  if ([year, month, day, hour, minute, second, ms].some(Number.isNaN)) return undefined;
  const leap = month === 2 && (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 1 : 0;
  if (month < 1 || month > 12 || day < 1 || day > (DAYS_IN_MONTH[month - 1] ?? 0) + leap) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  return inTimeLimits(Date.UTC(year, month - 1, day, hour, minute, second, ms));
}

const ISO_ANY =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const UNIX = /^(\d{1,19})(?:\.(\d+))?$/;

/**
 * An instant from the timestamps gateway exports use (issue 5): ISO 8601 with `T` or a space,
 * any fraction, with an offset or `Z`, or without one (then a wall time in `zone`, UTC by
 * default); or a Unix time whose digits say its unit: up to 11 seconds, 12–14 milliseconds,
 * 15–17 microseconds, 18–19 nanoseconds. Sub-millisecond digits are truncated.
 */
export function parseTimestamp(text: string, zone = 'UTC'): number | null {
  const fast = parseUtcIso(text);
  if (fast !== undefined) return fast;
  const unix = UNIX.exec(text);
  if (unix) {
    const digits = unix[1]!;
    const scale = digits.length <= 11 ? 0 : digits.length <= 14 ? 3 : digits.length <= 17 ? 6 : 9;
    const whole = BigInt(digits);
    const ms = scale >= 3 ? whole / 10n ** BigInt(scale - 3) : whole * 1000n + BigInt((unix[2] ?? '').padEnd(3, '0').slice(0, 3));
    return inTimeLimits(Number(ms));
  }
  return parseIso(text, zone);
}


/** A whole non-negative count that a JavaScript number holds exactly. */
export function parseCount(text: string): number | null {
  if (!/^\d+$/.test(text)) return null;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : null;
}

/** A non-negative number of milliseconds, or null. */
export function parseLatency(text: string): number | null {
  if (!/^\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}
