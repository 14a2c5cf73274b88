import { attribute, attributeListed, type BreakdownAxis } from './attribution.js';
import type { LineBreakdown } from './explain.js';
import { Decimal, sum } from './money.js';
import type { StatementLine, VarianceThreshold } from './types.js';

/**
 * The monthly review's agenda (issue 33): each centre and pool this month against last
 * month's books and against the forecast made mid-month. A change at least the card's
 * amount and at least its percentage of last month is notable, and comes first, with the
 * model, user or key, or tag value that moved it most.
 */
export interface Variance {
  costCentre: string;
  pool: string;
  amount: Decimal;
  /** Last month's books; null where last month had no books. */
  previous: Decimal | null;
  change: Decimal | null;
  /** Of last month's amount, to one place; null where last month had none of it. */
  changePct: Decimal | null;
  /** The forecast made mid-month, and this month against it; null without such a run. */
  forecast: Decimal | null;
  notable: boolean;
  driver: VarianceDriver | null;
}

export interface VarianceDriver {
  /** What moved: a model, a user or key, or `tag.NAME`. */
  axis: string;
  key: string;
  change: Decimal;
}

/** What the variances read of one month: its lines and what lies behind each. */
export interface MonthBooks {
  lines: readonly StatementLine[];
  breakdownOf: (line: StatementLine) => LineBreakdown | null;
}

/** Without `variances:` in the card: a change of 10% or more, of any amount. */
export const DEFAULT_VARIANCE: VarianceThreshold = { pct: new Decimal(10), amount: new Decimal(0) };

const keyOf = (l: StatementLine) => `${l.costCentre}\u0000${l.pool}`;

/**
 * Variances per centre and pool of the centres shown, notable ones first (largest change
 * first), then the rest by centre and pool. `forecast` gives a mid-month run's forecast for
 * a centre and pool's lines of that run.
 */
export function variancesOf(current: MonthBooks, previous: MonthBooks | null, midMonth: { lines: readonly StatementLine[]; forecast: (lines: readonly StatementLine[]) => Decimal } | null,
  threshold: VarianceThreshold, tagName: string | null): Variance[] {
  const groups = new Map<string, { costCentre: string; pool: string }>();
  for (const l of [...current.lines, ...(previous?.lines ?? [])]) if (!groups.has(keyOf(l))) groups.set(keyOf(l), { costCentre: l.costCentre, pool: l.pool });
  const of = (lines: readonly StatementLine[] | undefined, key: string) => (lines ?? []).filter((l) => keyOf(l) === key);
  const rows = [...groups].map(([key, { costCentre, pool }]): Variance => {
    const now = of(current.lines, key);
    const before = previous === null ? null : of(previous.lines, key);
    const amount = sum(now.map((l) => l.amount));
    const was = before === null ? null : sum(before.map((l) => l.amount));
    const change = was === null ? null : amount.minus(was);
    const changePct = was === null || was.isZero() ? null : change!.dividedBy(was.abs()).times(100).toDecimalPlaces(1);
    const mid = midMonth === null ? [] : of(midMonth.lines, key);
    const notable = change !== null && change.abs().greaterThanOrEqualTo(threshold.amount) && !change.isZero() &&
      (changePct === null || changePct.abs().greaterThanOrEqualTo(threshold.pct));
    return {
      costCentre, pool, amount, previous: was, change, changePct,
      forecast: midMonth === null || mid.length === 0 ? null : midMonth.forecast(mid),
      notable,
      driver: notable && previous !== null ? mainDriver({ lines: now, breakdownOf: current.breakdownOf }, { lines: before!, breakdownOf: previous.breakdownOf }, tagName) : null,
    };
  });
  const order = (a: Variance, b: Variance) => Number(b.notable) - Number(a.notable) ||
    (a.notable ? b.change!.abs().comparedTo(a.change!.abs()) : 0) || (a.costCentre < b.costCentre ? -1 : a.costCentre > b.costCentre ? 1 : a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0);
  return rows.sort(order);
}

/** Money by one axis's keys (models, users or keys, tag values): what the usage behind the lines says. */
function moneyBy(books: MonthBooks, axis: 'byModel' | 'byIdentity' | 'byTag'): Map<string, Decimal> {
  return axis === 'byIdentity' ? attributeListed(books.lines, books.breakdownOf) : attribute(books.lines, books.breakdownOf, axis as BreakdownAxis).byKey;
}

/** The key whose money moved most between the months, across models, users or keys and the tag. */
export function mainDriver(now: MonthBooks, before: MonthBooks, tagName: string | null): VarianceDriver | null {
  const axes: ['byModel' | 'byIdentity' | 'byTag', string][] = [['byModel', 'model'], ['byIdentity', 'user or key'], ...(tagName === null ? [] : [['byTag', tagName] as ['byTag', string]])];
  let best: VarianceDriver | null = null;
  for (const [axis, name] of axes) {
    const a = moneyBy(now, axis);
    const b = moneyBy(before, axis);
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const change = (a.get(key) ?? sum([])).minus(b.get(key) ?? sum([]));
      if (!change.isZero() && (best === null || change.abs().greaterThan(best.change.abs()))) best = { axis: name, key, change };
    }
  }
  return best;
}
