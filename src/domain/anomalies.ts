import { DAY_TOTAL, lineKey, type LineDays } from './breakdowns.js';
import { ZERO } from './drivers.js';
import { isUsageLine } from './lines.js';
import { ownerOf } from './match.js';
import { Decimal } from './money.js';
import type { AnomalyRule, RateCard, StatementLine, UsageGroup } from './types.js';

/**
 * A day on which a cost centre's spend (or, where a run has no cost by day, its tokens)
 * jumped against its own recent past (issue 33), with what moved it most where known.
 */
export interface Anomaly {
  costCentre: string;
  day: string;
  measure: 'cost' | 'tokens';
  value: Decimal;
  trailingMedian: Decimal;
  ratio: Decimal;
  /** The model or tag value whose cost rose most that day against the days before it. */
  driver?: { axis: string; key: string; amount: Decimal };
}

/** Without `anomalies:` in the card: 3× the median of the 7 days before, of any amount. */
export const DEFAULT_ANOMALY_RULE: AnomalyRule = { factor: new Decimal(3), lookBackDays: 7, minAmount: new Decimal(0) };
/** Days of the look-back that must have usage: a new team is not flagged on its second day. */
const MIN_DAYS = 3;

export const anomalyRule = (card: RateCard): AnomalyRule => card.anomalies ?? DEFAULT_ANOMALY_RULE;

/**
 * Days of `month` on which `byDay` reaches the rule's factor × the median of the look-back
 * days before it (a day without a value counts 0, unless `known` says the day is not known
 * at all), when at least MIN_DAYS of those have one, and the day's value is at least `least`.
 */
function spikes(byDay: ReadonlyMap<string, Decimal>, month: string, rule: AnomalyRule, least: Decimal, known: (day: string) => boolean = () => true) {
  const found: { day: string; value: Decimal; median: Decimal }[] = [];
  for (const [day, value] of [...byDay].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (!day.startsWith(month) || value.lessThan(least)) continue;
    const before = Array.from({ length: rule.lookBackDays }, (_, i) => shift(day, -(i + 1))).filter(known).map((d) => byDay.get(d) ?? ZERO);
    if (before.filter((t) => !t.isZero()).length < MIN_DAYS) continue;
    const median = medianOf(before);
    if (median.isZero() || value.lessThan(median.times(rule.factor))) continue;
    found.push({ day, value, median });
  }
  return found;
}

/** Tokens (input + output, ok requests) by centre and day: what a run without cost by day is judged by. */
function tokensByCentre(card: RateCard, days: readonly { day: string; group: UsageGroup }[]): Map<string, Map<string, Decimal>> {
  const perCentre = new Map<string, Map<string, Decimal>>();
  for (const { day, group } of days) {
    const centre = ownerOf(group, card).id;
    const byDay = perCentre.get(centre) ?? new Map<string, Decimal>();
    byDay.set(day, (byDay.get(day) ?? ZERO).plus(group.quantities.input_tokens).plus(group.quantities.output_tokens));
    perCentre.set(centre, byDay);
  }
  return perCentre;
}

const byCentre = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : 1);

/** Token anomalies, for a view with no cost by day (budgets on a month's usage so far, a dry run). */
export function findAnomalies(card: RateCard, days: readonly { day: string; group: UsageGroup }[], month: string): Anomaly[] {
  const rule = anomalyRule(card);
  return [...tokensByCentre(card, days)].sort(byCentre).flatMap(([costCentre, byDay]) => spikes(byDay, month, rule, ZERO)
    .map(({ day, value, median }) => ({ costCentre, day, measure: 'tokens' as const, value, trailingMedian: median, ratio: value.dividedBy(median).toDecimalPlaces(1) })));
}

/**
 * Cost anomalies (issue 33): each centre's cost by day is its usage-driven lines' amounts
 * shared by their quantity that day. Days before the month, which this run has no cost
 * for, are priced at the centre's cost per token this month. Below the card's min_amount
 * nothing is flagged. The driver is the model or tag value whose cost rose most over its
 * average of the look-back days in the month.
 */
export function findCostAnomalies(card: RateCard, lines: readonly StatementLine[], daysOf: (keyDays: ReadonlySet<string>) => ReadonlyMap<string, LineDays>,
  ownerDays: readonly { day: string; group: UsageGroup }[], month: string): Anomaly[] {
  // Each day's cost first; its driver only for the days flagged and the days they look back on.
  const found = costSpikes(card, lines, daysOf(new Set()), ownerDays, month);
  if (found.length === 0) return found;
  const rule = anomalyRule(card);
  const wanted = new Set(found.flatMap((a) => [a.day, ...Array.from({ length: rule.lookBackDays }, (_, i) => shift(a.day, -(i + 1)))]));
  const byKey = costsByDay(lines, daysOf(wanted));
  return found.map((a) => ({ ...a, ...driverOf(byKey.get(a.costCentre)?.byKey ?? new Map(), a.day, rule) }));
}

/** Each centre's cost by day, and by day and key where the line days have keys. */
function costsByDay(lines: readonly StatementLine[], days: ReadonlyMap<string, LineDays>) {
  const costs = new Map<string, { byDay: Map<string, Decimal>; byKey: Map<string, Map<string, Decimal>> }>();
  for (const line of lines) {
    const behind = isUsageLine(line) ? days.get(lineKey(line.costCentre, line.pool)) : undefined;
    if (!behind || behind.total === 0n) continue;
    const unit = line.amount.dividedBy(behind.total.toString());
    let centre = costs.get(line.costCentre);
    if (!centre) costs.set(line.costCentre, (centre = { byDay: new Map(), byKey: new Map() }));
    for (const [day, keys] of behind.byDay) {
      let onDay = centre.byKey.get(day);
      if (!onDay) centre.byKey.set(day, (onDay = new Map()));
      for (const [key, q] of keys) {
        const amount = unit.times(q.toString());
        if (key === DAY_TOTAL) centre.byDay.set(day, (centre.byDay.get(day) ?? ZERO).plus(amount));
        else onDay.set(key, (onDay.get(key) ?? ZERO).plus(amount));
      }
    }
  }
  return costs;
}

/** The days whose cost spikes, without their drivers. */
function costSpikes(card: RateCard, lines: readonly StatementLine[], days: ReadonlyMap<string, LineDays>,
  ownerDays: readonly { day: string; group: UsageGroup }[], month: string): Anomaly[] {
  const rule = anomalyRule(card);
  const tokens = tokensByCentre(card, ownerDays);
  const costs = costsByDay(lines, days);
  return [...costs].sort(byCentre).flatMap(([costCentre, { byDay }]) => {
    const own = tokens.get(costCentre) ?? new Map<string, Decimal>();
    const inMonth = [...own].filter(([d]) => d.startsWith(month));
    const monthTokens = inMonth.reduce((s, [, t]) => s.plus(t), ZERO);
    const rate = monthTokens.isZero() ? null : [...byDay.values()].reduce((s, c) => s.plus(c), ZERO).dividedBy(monthTokens);
    const series = new Map(byDay);
    if (rate !== null) for (const [day, t] of own) if (!day.startsWith(month)) series.set(day, t.times(rate));
    // A day before the month is known only through its tokens; without them it is not known at all.
    const known = (day: string) => day.startsWith(month) || rate !== null;
    return spikes(series, month, rule, rule.minAmount, known).map(({ day, value, median }) => ({
      costCentre, day, measure: 'cost' as const, value: value.toDecimalPlaces(2), trailingMedian: median.toDecimalPlaces(2), ratio: value.dividedBy(median).toDecimalPlaces(1),
    }));
  });
}

/** The key whose cost that day is furthest above its average over the look-back days of the month. */
function driverOf(byKey: ReadonlyMap<string, ReadonlyMap<string, Decimal>>, day: string, rule: AnomalyRule): Pick<Anomaly, 'driver'> {
  const before = Array.from({ length: rule.lookBackDays }, (_, i) => shift(day, -(i + 1))).filter((d) => byKey.has(d));
  let best: Anomaly['driver'] | undefined;
  for (const [key, amount] of [...(byKey.get(day) ?? new Map<string, Decimal>())].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const usual = before.length === 0 ? ZERO : before.reduce((s, d) => s.plus(byKey.get(d)?.get(key) ?? ZERO), ZERO).dividedBy(before.length);
    const rise = amount.minus(usual);
    if (rise.greaterThan(0) && (best === undefined || rise.greaterThan(best.amount))) {
      const [axis, value] = key.split('\u0000') as [string, string];
      best = { axis, key: value, amount: rise.toDecimalPlaces(2) };
    }
  }
  return best ? { driver: best } : {};
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
export function describeAnomaly(a: Anomaly, rule: AnomalyRule = DEFAULT_ANOMALY_RULE): string {
  const what = a.measure === 'cost' ? `spent ${a.value.toFixed(2)}` : `used ${a.value.toFixed()} tokens`;
  const median = a.measure === 'cost' ? a.trailingMedian.toFixed(2) : a.trailingMedian.toFixed();
  const driver = a.driver ? `; the largest rise: ${a.driver.axis} ${a.driver.key} (+${a.driver.amount.toFixed(2)})` : '';
  return `anomaly: ${a.costCentre} ${what} on ${a.day}, ${a.ratio.toFixed()}× the median ${median} of its previous ${rule.lookBackDays} days${driver}`;
}
