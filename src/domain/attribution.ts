import { allocate } from './allocate.js';
import { isUsageLine } from './lines.js';
import { ZERO } from './drivers.js';
import type { LineBreakdown } from './explain.js';
import { Decimal, fromCents, roundCents, sum, toCents } from './money.js';
import type { StatementLine, UsageGroup } from './types.js';

/**
 * Where a centre's money went, by model, by day or by a tag's value (issue 19): each line's
 * amount is split over the keys in proportion to the driver quantity behind it, by largest
 * remainder, so the parts add up to the line to the cent. Lines with no usage behind them by
 * key (a hybrid's fixed share, GPU hours, idle, flat charges) stay `unattributed`: shown as
 * such, never spread by a guess.
 */
export interface Attributed {
  byKey: Map<string, Decimal>;
  unattributed: Decimal;
}

export type BreakdownAxis = 'byModel' | 'byDay' | 'byTag';

/** A line's amount over keys in proportion to their quantities; null when no key has any. */
export function splitAmount(amount: Decimal, shares: readonly (readonly [string, Decimal])[]): Map<string, Decimal> | null {
  const positive = shares.filter(([, q]) => q.greaterThan(0));
  const cents = allocate(toCents(amount), positive.map(([id, weight]) => ({ id, weight })));
  return cents && new Map([...cents].map(([id, c]) => [id, fromCents(c)]));
}

/**
 * The lines' amounts attributed along `axis`; `breakdownOf` gives a line's breakdown, or null.
 * A price-list line has no driver to break down, but by model its terms say where its money
 * went (issue 35): it is shared by what each model's terms came to.
 */
export function attribute(lines: readonly StatementLine[], breakdownOf: (line: StatementLine) => LineBreakdown | null, axis: BreakdownAxis): Attributed {
  const byKey = new Map<string, Decimal>();
  let unattributed = ZERO;
  for (const line of lines) {
    const breakdown = isUsageLine(line) ? breakdownOf(line) ?? (axis === 'byModel' ? pricedByModel(line) : null) : null;
    const split = breakdown ? splitAmount(line.amount, breakdown[axis]) : null;
    if (!split) {
      unattributed = unattributed.plus(line.amount);
      continue;
    }
    for (const [key, amount] of split) byKey.set(key, (byKey.get(key) ?? ZERO).plus(amount));
  }
  return { byKey, unattributed };
}

/** A price-list line's terms summed per model, as a breakdown by model; null without such terms. */
function pricedByModel(line: StatementLine): LineBreakdown | null {
  const byModel = new Map<string, Decimal>();
  for (const part of line.parts ?? []) if (part.model !== undefined) byModel.set(part.model, (byModel.get(part.model) ?? ZERO).plus(part.amount));
  if (byModel.size === 0) return null;
  return { total: sum(byModel.values()), byModel: [...byModel], byIdentity: [], byDay: [], byTag: [] };
}

/**
 * The money of the keys a breakdown lists, each its proportional share of each line rounded to
 * the cent: for the top users of a centre, whose breakdown keeps only the largest keys (the
 * month may have hundreds of thousands) but whose total is still the whole line's quantity.
 */
export function attributeListed(lines: readonly StatementLine[], breakdownOf: (line: StatementLine) => LineBreakdown | null): Map<string, Decimal> {
  const byKey = new Map<string, Decimal>();
  for (const line of lines) {
    const breakdown = isUsageLine(line) ? breakdownOf(line) : null;
    if (!breakdown || breakdown.total.isZero()) continue;
    for (const [key, quantity] of breakdown.byIdentity) {
      byKey.set(key, (byKey.get(key) ?? ZERO).plus(roundCents(line.amount.times(quantity).dividedBy(breakdown.total))));
    }
  }
  return byKey;
}

/** Requests and tokens (input + output) of ok usage: the denominators of unit costs. */
export interface UsageCount {
  requests: Decimal;
  tokens: Decimal;
}

/** Usage counted by a key of each group (its model, a tag's value); GPU groups count nothing. */
export function usageCounts(groups: Iterable<UsageGroup>, keyOf: (group: UsageGroup) => string): Map<string, UsageCount> {
  const counts = new Map<string, UsageCount>();
  for (const group of groups) {
    if (group.source !== 'gateway') continue;
    const key = keyOf(group);
    const count = counts.get(key) ?? { requests: ZERO, tokens: ZERO };
    counts.set(key, {
      requests: count.requests.plus(group.quantities.requests),
      tokens: count.tokens.plus(group.quantities.input_tokens).plus(group.quantities.output_tokens),
    });
  }
  return counts;
}

/** One row of unit economics: what a key cost, its usage, and cost per request and per 1M tokens. */
export interface UnitCost {
  key: string;
  cost: Decimal;
  requests: Decimal;
  tokens: Decimal;
  /** To 6 places (a request often costs less than a cent); null without requests. */
  perRequest: Decimal | null;
  /** To 4 places; null without tokens. */
  perMillionTokens: Decimal | null;
}

/**
 * Cost per request and per 1M tokens for every key that cost money or had usage, costliest
 * first. The costs add up to Σ cost attributed; what could not be attributed is not in any row.
 */
export function unitCosts(cost: ReadonlyMap<string, Decimal>, counts: ReadonlyMap<string, UsageCount>): UnitCost[] {
  const keys = [...new Set([...cost.keys(), ...counts.keys()])];
  return keys.map((key) => {
    const c = cost.get(key) ?? ZERO;
    const { requests, tokens } = counts.get(key) ?? { requests: ZERO, tokens: ZERO };
    return {
      key, cost: c, requests, tokens,
      perRequest: requests.isZero() ? null : c.dividedBy(requests).toDecimalPlaces(6),
      perMillionTokens: tokens.isZero() ? null : c.times(1_000_000).dividedBy(tokens).toDecimalPlaces(4),
    };
  }).sort((a, b) => b.cost.comparedTo(a.cost) || (a.key < b.key ? -1 : 1));
}

/** Adds attributions of several centres into one. */
export function mergeAttributed(parts: readonly Attributed[]): Attributed {
  const byKey = new Map<string, Decimal>();
  for (const part of parts) for (const [key, amount] of part.byKey) byKey.set(key, (byKey.get(key) ?? ZERO).plus(amount));
  return { byKey, unattributed: sum(parts.map((p) => p.unattributed)) };
}

export { Decimal };
