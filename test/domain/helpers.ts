import { computeMonth } from '../../src/domain/compute.js';
import { noQuantities } from '../../src/domain/drivers.js';
import { Decimal } from '../../src/domain/money.js';
import type { Identity, Quantities, Statement, UsageGroup } from '../../src/domain/types.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { parseMonth, periodOf, type Period } from '../../src/domain/month.js';
import type { RateCard } from '../../src/domain/types.js';

type Amounts = Partial<Record<keyof Quantities, number | string>>;

/** A gateway usage group of one team (or any identity) with the given quantities. */
export function events(identity: Identity | string, model: string, amounts: Amounts, extra: Partial<UsageGroup> = {}): UsageGroup {
  const quantities = { ...noQuantities() };
  for (const [key, value] of Object.entries(amounts)) quantities[key as keyof Quantities] = new Decimal(String(value));
  return {
    source: 'gateway',
    identity: typeof identity === 'string' ? { team: identity } : identity,
    model,
    tags: {},
    quantities,
    ...extra,
  };
}

/** A GPU usage group of one namespace. */
export function gpu(namespace: string, seconds: number | string, extra: Amounts = {}): UsageGroup {
  return { ...events({ namespace }, '', { gpu_seconds: seconds, ...extra }), source: 'gpu', model: undefined } as UsageGroup;
}

/** A card with centres A, B and C (teams a, b, c; namespaces too) and the given pools. */
export function card(pools: string, extra = '') {
  return parseRateCardText(
    `version: 1
currency: USD
unallocated: CC-0000
${extra}
cost_centres:
  - { id: A, name: Alpha, match: { team: [a], namespace: [a] } }
  - { id: B, name: Beta, match: { team: [b], namespace: [b] } }
  - { id: C, name: Gamma, match: { team: [c], namespace: [c] } }
pools:
${pools}`,
    'card.yaml',
  );
}

export function compute(pools: string, usage: UsageGroup[], extra = ''): Statement {
  const c = card(pools, extra);
  return computeMonth({ card: c, period: periodFor(c), usage });
}

/** Lines as [centre, pool, method, quantity, amount] rows, for drawn expectations. */
export function rows(statement: Statement): string[][] {
  return statement.lines.map((l) => [l.costCentre, l.pool, l.method, l.quantity?.toFixed() ?? '', l.amount.toFixed(2)]);
}

/** The period a test computes: a month (October 2026 unless told) in the card's zone. */
export function periodFor(card: RateCard, label = '2026-10'): Period {
  return periodOf(parseMonth(label)!, card.timezone);
}
