import { ZERO } from './drivers.js';
import { ownerOf } from './match.js';
import { Decimal } from './money.js';
import type { RateCard, UsageGroup } from './types.js';

/** A day on which a cost centre's usage jumped against its own recent past. */
export interface Anomaly {
  costCentre: string;
  day: string;
  tokens: Decimal;
  trailingMedian: Decimal;
  ratio: Decimal;
}

export const ANOMALY = { window: 7, factor: 3, minDays: 3 } as const;

/**
 * Days of `month` (YYYY-MM-DD strings starting with it) on which a centre's tokens (input +
 * output, ok requests) reach `factor` × the median of its previous `window` days (a day
 * without usage counts 0), when at least `minDays` of those had usage: a new team is not
 * flagged on its second day.
 */
export function findAnomalies(card: RateCard, days: readonly { day: string; group: UsageGroup }[], month: string): Anomaly[] {
  const perCentre = new Map<string, Map<string, Decimal>>();
  for (const { day, group } of days) {
    const centre = ownerOf(group, card).id;
    const byDay = perCentre.get(centre) ?? new Map<string, Decimal>();
    byDay.set(day, (byDay.get(day) ?? ZERO).plus(group.quantities.input_tokens).plus(group.quantities.output_tokens));
    perCentre.set(centre, byDay);
  }
  const found: Anomaly[] = [];
  for (const [costCentre, byDay] of [...perCentre].sort(([a], [b]) => (a < b ? -1 : 1))) {
    for (const [day, tokens] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!day.startsWith(month)) continue;
      const before = Array.from({ length: ANOMALY.window }, (_, i) => byDay.get(shift(day, -(i + 1))) ?? ZERO);
      if (before.filter((t) => !t.isZero()).length < ANOMALY.minDays) continue;
      const median = medianOf(before);
      if (median.isZero() || tokens.lessThan(median.times(ANOMALY.factor))) continue;
      found.push({ costCentre, day, tokens, trailingMedian: median, ratio: tokens.dividedBy(median).toDecimalPlaces(1) });
    }
  }
  return found;
}

function shift(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function medianOf(values: readonly Decimal[]): Decimal {
  const sorted = [...values].sort((a, b) => a.comparedTo(b));
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : sorted[mid - 1]!.plus(sorted[mid]!).dividedBy(2);
}

/** One warning line per anomaly. */
export function describeAnomaly(a: Anomaly): string {
  return `anomaly: ${a.costCentre} used ${a.tokens.toFixed()} tokens on ${a.day}, ${a.ratio.toFixed()}× the median ${a.trailingMedian.toFixed()} of its previous ${ANOMALY.window} days`;
}
