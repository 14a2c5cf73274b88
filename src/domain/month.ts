/** A calendar month `YYYY-MM` and the half-open UTC interval it covers in some zone. */
export interface Month {
  label: string;
  year: number;
  month: number; // 1..12
}

export interface MonthRange {
  startMs: number; // inclusive
  endMs: number; // exclusive
}

const MONTH_TEXT = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Parses `YYYY-MM`; returns null for anything else. */
export function parseMonth(text: string): Month | null {
  const m = MONTH_TEXT.exec(text.trim());
  if (!m) return null;
  return { label: `${m[1]}-${m[2]}`, year: Number(m[1]), month: Number(m[2]) };
}

/** The month after `month`. */
export function nextMonth(month: Month): Month {
  const year = month.month === 12 ? month.year + 1 : month.year;
  const m = month.month === 12 ? 1 : month.month + 1;
  return { label: `${year}-${String(m).padStart(2, '0')}`, year, month: m };
}

/** The month before `month`. */
export function previousMonth(month: Month): Month {
  const year = month.month === 1 ? month.year - 1 : month.year;
  const m = month.month === 1 ? 12 : month.month - 1;
  return { label: `${year}-${String(m).padStart(2, '0')}`, year, month: m };
}

/** Orders months; negative when `a` is earlier. */
export function compareMonths(a: Month, b: Month): number {
  return a.year * 12 + a.month - (b.year * 12 + b.month);
}

/** True when `zone` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * A month as every step of a computation needs it (issue 14): its label and parts, the zone
 * it is reckoned in, and its UTC range there. A command builds it once; nothing below parses
 * a month label or derives its range again.
 */
export interface Period {
  month: Month;
  zone: string;
  range: MonthRange;
}

export function periodOf(month: Month, zone = 'UTC'): Period {
  return { month, zone, range: monthRange(month, zone) };
}

/**
 * The month as `[first day 00:00, first day of next month 00:00)` in `zone`, as UTC
 * milliseconds (SPEC §4.1).
 */
export function monthRange(month: Month, zone = 'UTC'): MonthRange {
  const next = nextMonth(month);
  return {
    startMs: zonedMidnightToUtc(month.year, month.month, zone),
    endMs: zonedMidnightToUtc(next.year, next.month, zone),
  };
}

/** UTC instant of 00:00 on the first of the month in `zone`, DST included. */
function zonedMidnightToUtc(year: number, month: number, zone: string): number {
  return zonedToUtc(Date.UTC(year, month - 1, 1), zone);
}

/**
 * The UTC instant of a wall-clock time in `zone`, given as if it were UTC milliseconds
 * (`Date.UTC(...)` of the local fields). In a DST gap or overlap the offset before it wins.
 */
export function zonedToUtc(wallMs: number, zone: string): number {
  if (zone === 'UTC') return wallMs;
  const first = wallMs - zoneOffsetMs(wallMs, zone);
  return wallMs - zoneOffsetMs(first, zone);
}

/** Offset of `zone` from UTC at `instantMs` (positive east of Greenwich). */
function zoneOffsetMs(instantMs: number, zone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(instantMs));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instantMs / 1000) * 1000;
}

/** Whether a card effective over [from, to] (either end open) may price `month`. */
export function monthInEffect(month: Month, from?: Month, to?: Month): boolean {
  return (!from || compareMonths(month, from) >= 0) && (!to || compareMonths(month, to) <= 0);
}

/** The instant a day (YYYY-MM-DD) starts in `zone`. */
export function localMidnight(day: string, zone = 'UTC'): number {
  return zonedToUtc(Date.parse(`${day}T00:00:00Z`), zone);
}

/** The month `instantMs` falls in, reckoned in `zone`. */
export function monthAt(instantMs: number, zone = 'UTC'): Month {
  const wall = new Date(instantMs + zoneOffsetMs(instantMs, zone));
  return parseMonth(`${wall.getUTCFullYear()}-${String(wall.getUTCMonth() + 1).padStart(2, '0')}`)!;
}
