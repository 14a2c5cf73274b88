import { driverBase, driverDivisor, noQuantities, ZERO } from './drivers.js';
import type { LineBreakdown } from './explain.js';
import { describeIdentity, filterTakes, ownerOf } from './match.js';
import { Decimal } from './money.js';
import { compareIds } from './order.js';
import type { Driver, GroupShape, Identity, Pool, RateCard, UsageGroup } from './types.js';

type QuantityKey = keyof UsageGroup['quantities'];
const ONE = new Decimal(1);

/**
 * What lies behind every usage line of a month, worked out once by `compute` and stored with
 * the run (issue 30), so that a run's drill-down is its books by construction: per centre and
 * event-driven pool, the driver quantity by model, by UTC day, by each tag the card keeps,
 * and by identity (user or key). Identities are the long tail: the largest TOP_IDENTITIES are
 * kept and the rest summed, exactly, into one "others" entry that says how many it holds, so a
 * run's size is bounded whatever the month's number of users.
 */
export const TOP_IDENTITIES = 100;

/** The key of usage that does not carry the tag a breakdown is by. */
export const UNTAGGED = '(untagged)';

/** A line's key in the breakdowns: its centre and pool. */
export const lineKey = (centre: string, pool: string) => `${centre}\u0000${pool}`;

/** How a breakdown names the identities past the top ones. */
export const othersKey = (count: number) => `(${count} other${count === 1 ? '' : 's'})`;

/** A pool's driver quantity of a group its filter takes, in the pool's units; null for none (or a pool without one event driver). */
export function lineQuantity(pool: Pool): ((group: UsageGroup) => Decimal | null) | null {
  const driver = pool.driver;
  if (!driver || driver === 'charges' || driver.startsWith('gpu_')) return null;
  const divisor = driverDivisor(driver);
  return (group) => {
    if (!filterTakes(pool.usage, group)) return null;
    const q = driverBase(group, driver as Exclude<Driver, 'charges'>, pool.weights, pool.tierMultipliers).dividedBy(divisor);
    return q.isZero() ? null : q;
  };
}

/** The month's ok gateway usage as the ledger sums it, per class: counts in `columns`' order. */
export interface MonthSums {
  columns: readonly QuantityKey[];
  classes: number;
  shapeOf(cls: number): GroupShape;
  /** Per class and UTC day. */
  days: Iterable<{ cls: number; day: string; sums: readonly (number | bigint)[] }>;
  /** Per class and identity, each identity's rows one after another (any order of identities), sharing one identity object. */
  identities: Iterable<{ cls: number; identity: Identity; sums: readonly (number | bigint)[] }>;
}

/** Quantities in a line's integer scale (classWeights) until the end, where they become decimals. */
interface Accumulating {
  total: bigint;
  byModel: Map<string, bigint>;
  byDay: Map<string, bigint>;
  byTag: Map<string, Map<string, bigint>>;
  top: [string, bigint][];
  others: { count: number; quantity: bigint };
}

/**
 * Every line's breakdown from the month's class sums, in one pass of its days and one of its
 * identities (whose rows come grouped by identity, so each is summed whole before it is
 * ranked, and memory stays bounded). A class's counts are weighed with integer coefficients
 * worked out once per class (a driver is linear in the counts), in BigInt: exact, and no
 * decimal is made per row.
 */
export function lineBreakdowns(card: RateCard, month: MonthSums): Map<string, LineBreakdown> {
  const weights = classWeights(card, month);
  const lines = new Map<string, Accumulating>();
  const lineOf = (key: string) => {
    let line = lines.get(key);
    if (!line) lines.set(key, (line = { total: 0n, byModel: new Map(), byDay: new Map(), byTag: new Map(), top: [], others: { count: 0, quantity: 0n } }));
    return line;
  };
  const add = (map: Map<string, bigint>, key: string, q: bigint) => map.set(key, (map.get(key) ?? 0n) + q);
  for (const { cls, day, sums } of month.days) {
    const shape = month.shapeOf(cls);
    for (const { key, coefficients } of weights.of(cls)) {
      const q = weigh(coefficients, sums);
      if (q === 0n) continue;
      const line = lineOf(key);
      line.total += q;
      add(line.byModel, shape.model ?? '(none)', q);
      add(line.byDay, day, q);
      for (const [tag, value] of Object.entries(shape.tags)) {
        let values = line.byTag.get(tag);
        if (!values) line.byTag.set(tag, (values = new Map()));
        add(values, value, q);
      }
    }
  }
  // An identity is ranked once all its rows are summed; the ranking keeps at most twice the
  // top between trims, and what a trim drops is never among the top (it is below that many).
  let current: string | null = null;
  let sums = new Map<string, bigint>();
  const flush = () => {
    for (const [key, q] of sums) {
      const line = lineOf(key);
      line.top.push([current!, q]);
      if (line.top.length >= 2 * TOP_IDENTITIES) trim(line);
    }
    sums = new Map();
  };
  let described: Identity | null = null;
  let name = '';
  for (const { cls, identity, sums: counts } of month.identities) {
    // An identity's rows share one object (MonthSums): it is named once.
    if (identity !== described) {
      described = identity;
      name = describeIdentity({ identity });
    }
    if (name !== current) {
      if (current !== null) flush();
      current = name;
    }
    for (const { key, coefficients } of weights.of(cls)) {
      const q = weigh(coefficients, counts);
      if (q !== 0n) add(sums, key, q);
    }
  }
  if (current !== null) flush();
  const found = new Map<string, LineBreakdown>();
  for (const [key, line] of lines) {
    trim(line);
    const scale = weights.scaleOf(key);
    const exact = (q: bigint) => new Decimal(q.toString()).dividedBy(scale);
    const decimals = (list: Iterable<[string, bigint]>): [string, Decimal][] => [...list].map(([k, q]) => [k, exact(q)]);
    const top = decimals(line.top);
    const byIdentity = line.others.count > 0 ? [...top, [othersKey(line.others.count), exact(line.others.quantity)] as [string, Decimal]] : top;
    const byTag = [...line.byTag].sort(([a], [b]) => compareIds(a, b)).map(([tag, values]) => [tag, decimals(values).sort(byQuantity)] as [string, [string, Decimal][]]);
    found.set(key, {
      total: exact(line.total), byModel: decimals(line.byModel).sort(byQuantity), byIdentity,
      byDay: decimals(line.byDay).sort((a, b) => compareIds(a[0], b[0])), byTag: [], tags: Object.fromEntries(byTag),
    });
  }
  return found;
}

/** Σ coefficient × count, exactly. */
function weigh(coefficients: readonly bigint[], counts: readonly (number | bigint)[]): bigint {
  let q = 0n;
  for (let c = 0; c < coefficients.length; c++) if (coefficients[c] !== 0n) q += coefficients[c]! * BigInt(counts[c]!);
  return q;
}

/** Largest first, then by key: one order whatever the order the keys came in. */
const byQuantity = (a: [string, Decimal], b: [string, Decimal]) => b[1].comparedTo(a[1]) || compareIds(a[0], b[0]);
const byScaled = (a: [string, bigint], b: [string, bigint]) => (a[1] === b[1] ? compareIds(a[0], b[0]) : a[1] > b[1] ? -1 : 1);

function trim(line: Accumulating): void {
  line.top.sort(byScaled);
  for (const [, q] of line.top.splice(TOP_IDENTITIES)) {
    line.others.count++;
    line.others.quantity += q;
  }
}

/**
 * Per class, the lines its usage counts in and each count's weight there, as integers: the
 * pool's driver quantity of a unit of each count (a driver is linear in the counts), times
 * 10^digits, the most decimal places any class needs in that line, so sums stay exact.
 */
function classWeights(card: RateCard, month: Pick<MonthSums, 'columns' | 'classes' | 'shapeOf'>) {
  const pools = card.pools.filter((pool) => lineQuantity(pool) !== null);
  const decimals: { key: string; coefficients: Decimal[] }[][] = [];
  const digits = new Map<string, number>();
  for (let cls = 0; cls < month.classes; cls++) {
    const shape = month.shapeOf(cls);
    const centre = ownerOf(shape, card).id;
    decimals.push(pools.flatMap((pool) => {
      if (!filterTakes(pool.usage, shape)) return [];
      const quantity = lineQuantity(pool)!;
      const coefficients = month.columns.map((column) => {
        const quantities = noQuantities();
        quantities[column] = ONE;
        return quantity({ ...shape, quantities }) ?? ZERO;
      });
      if (coefficients.every((c) => c.isZero())) return [];
      const key = lineKey(centre, pool.id);
      digits.set(key, Math.max(digits.get(key) ?? 0, ...coefficients.map((c) => c.decimalPlaces())));
      return [{ key, coefficients }];
    }));
  }
  const scale = (key: string) => new Decimal(10).pow(digits.get(key) ?? 0);
  const weights = decimals.map((lines) => lines.map(({ key, coefficients }) => ({ key, coefficients: coefficients.map((c) => BigInt(c.times(scale(key)).toFixed(0))) })));
  return { of: (cls: number) => weights[cls] ?? [], scaleOf: scale };
}

/**
 * A stored breakdown with `byTag` by `tag`'s values, as the views read it: the values the run
 * kept, and what carries none of them as UNTAGGED (the line's total less theirs).
 */
export function withTag(breakdown: LineBreakdown, tag: string): LineBreakdown {
  const values = breakdown.tags?.[tag] ?? [];
  const untagged = values.reduce((left, [, q]) => left.minus(q), breakdown.total);
  return { ...breakdown, byTag: (untagged.isZero() ? [...values] : [...values, [UNTAGGED, untagged] as [string, Decimal]]).sort(byQuantity) };
}

/** A line's driver quantity in its integer scale: its month, and each day's by model and tag value (DAY_TOTAL: the day's). */
export interface LineDays {
  total: bigint;
  byDay: Map<string, Map<string, bigint>>;
}

export const DAY_TOTAL = '';
/** A day's key: `model` or `tag.NAME`, and its value. */
export const dayKey = (axis: string, value: string) => `${axis}\u0000${value}`;

/**
 * Each line's quantity by day (DAY_TOTAL), and on the days of `keyDays` also by model and tag
 * value, from the month's class sums (no identity is read): what a day's cost is found in,
 * and an anomalous day's driver. Keys are counted only on the few days asked for: on every
 * day they cost a third of a 5M-event compute.
 */
export function lineDays(card: RateCard, month: Pick<MonthSums, 'columns' | 'classes' | 'shapeOf' | 'days'>, keyDays: ReadonlySet<string> = new Set()): Map<string, LineDays> {
  const weights = classWeights(card, month);
  const lines = new Map<string, LineDays>();
  for (const { cls, day, sums } of month.days) {
    const shape = month.shapeOf(cls);
    const keys = keyDays.has(day)
      ? [DAY_TOTAL, dayKey('model', shape.model ?? '(none)'), ...Object.entries(shape.tags).map(([tag, value]) => dayKey(`tag.${tag}`, value))]
      : [DAY_TOTAL];
    for (const { key, coefficients } of weights.of(cls)) {
      const q = weigh(coefficients, sums);
      if (q === 0n) continue;
      let line = lines.get(key);
      if (!line) lines.set(key, (line = { total: 0n, byDay: new Map() }));
      line.total += q;
      let onDay = line.byDay.get(day);
      if (!onDay) line.byDay.set(day, (onDay = new Map()));
      for (const k of keys) onDay.set(k, (onDay.get(k) ?? 0n) + q);
    }
  }
  return lines;
}
