import { driverQuantity, ZERO } from './drivers.js';
import { describeIdentity, filterTakes, matchCostCentre } from './match.js';
import { METHODS, type PoolCharge } from './methods/index.js';
import { Decimal, roundCents, sum, toCents } from './money.js';
import { compareIds } from './order.js';
import type {
  Pool,
  PoolReconciliation,
  Quantities,
  RateCard,
  Statement,
  StatementLine,
  UnpricedUsage,
  UsageGroup,
} from './types.js';

export interface ComputeInput {
  card: RateCard;
  month: string;
  usage: readonly UsageGroup[];
}

/**
 * Allocates one month: matches usage to cost centres, charges every pool by its method and
 * lists unpriced usage. Pure and deterministic: the same card and usage give the same
 * statement whatever the order of `usage`. Each pool with a cost adds up to it exactly.
 */
export function computeMonth({ card, month, usage }: ComputeInput): Statement {
  const owners = assignOwners(card, usage);
  const taken = new Set<UsageGroup>();
  const lines: StatementLine[] = [];
  const warnings: string[] = [];
  const pools: PoolReconciliation[] = [];
  let poolCosts = ZERO;
  let priceListCharges = ZERO;

  for (const pool of card.pools) {
    const served = usage.filter((group) => filterTakes(pool.usage, group));
    served.forEach((group) => taken.add(group));
    const costCents = poolCostCents(pool);
    const method = METHODS[pool.method];
    if (!method) throw new RangeError(`pool ${pool.id}: unknown method ${pool.method}`);
    const outcome = method.charge(
      { pool, costCents, quantities: quantitiesByCentre(pool, served, owners), unallocated: card.unallocated },
      pool.params,
    );
    warnings.push(...outcome.warnings);
    const poolLines = outcome.charges.filter(isWorthALine).map((charge) => toLine(card, pool, charge));
    lines.push(...poolLines);
    const actual = sum(poolLines.map((line) => line.amount));
    const expected = costCents === null ? actual : new Decimal(costCents.toString()).dividedBy(100);
    if (costCents === null) priceListCharges = priceListCharges.plus(actual);
    else poolCosts = poolCosts.plus(expected);
    pools.push({ pool: pool.id, expected, actual });
  }

  return {
    month,
    currency: card.currency,
    lines: lines.sort(compareLines),
    unpriced: listUnpriced(usage.filter((group) => !taken.has(group)), owners),
    unmatched: listUnmatched(usage, owners, card.unallocated),
    warnings,
    reconciliation: { poolCosts, priceListCharges, lines: sum(lines.map((l) => l.amount)), pools },
  };
}

/** Pools whose lines do not add up to their cost, described for the user; empty when all do. */
export function reconciliationFailures(statement: Statement): string[] {
  return statement.reconciliation.pools
    .filter((p) => !p.expected.equals(p.actual))
    .map((p) => `pool ${p.pool}: lines add up to ${p.actual.toFixed(2)}, pool cost is ${p.expected.toFixed(2)}`);
}

/** `C` = cost × (1 + overhead_pct / 100), rounded half-up to cents once; null without a cost. */
export function poolCostCents(pool: Pool): bigint | null {
  if (!pool.cost) return null;
  const burdened = pool.cost.amount.times(pool.overheadPct.dividedBy(100).plus(1));
  return toCents(roundCents(burdened));
}

type Owners = ReadonlyMap<UsageGroup, { centre: string; matched: boolean }>;

function assignOwners(card: RateCard, usage: readonly UsageGroup[]): Owners {
  return new Map(
    usage.map((group) => {
      const centre = matchCostCentre(group, card.costCentres);
      return [group, { centre: centre?.id ?? card.unallocated, matched: centre !== null }];
    }),
  );
}

function quantitiesByCentre(pool: Pool, served: readonly UsageGroup[], owners: Owners): Map<string, Decimal> {
  const quantities = new Map<string, Decimal>();
  for (const group of served) {
    const centre = owners.get(group)?.centre;
    if (centre === undefined) continue;
    quantities.set(centre, (quantities.get(centre) ?? ZERO).plus(driverQuantity(group, pool.driver)));
  }
  return quantities;
}

/** SPEC §8.9: a row is written when its amount or its quantity is non-zero. */
function isWorthALine(charge: PoolCharge): boolean {
  return !charge.amount.isZero() || (charge.quantity !== null && !charge.quantity.isZero());
}

function toLine(card: RateCard, pool: Pool, charge: PoolCharge): StatementLine {
  const centre = card.costCentres.find((c) => c.id === charge.costCentre);
  return {
    costCentre: charge.costCentre,
    costCentreName: centre?.name ?? '',
    pool: pool.id,
    method: charge.kind === 'idle' ? 'idle' : pool.method,
    driver: pool.driver,
    quantity: charge.kind === 'idle' ? null : charge.quantity,
    unitPrice: charge.unitPrice,
    amount: charge.amount,
  };
}

/** Sorted by cost centre, then pool (byte order); a centre's own row before its idle row. */
function compareLines(a: StatementLine, b: StatementLine): number {
  return (
    compareIds(a.costCentre, b.costCentre) ||
    compareIds(a.pool, b.pool) ||
    Number(a.method === 'idle') - Number(b.method === 'idle')
  );
}

function listUnpriced(groups: readonly UsageGroup[], owners: Owners): UnpricedUsage[] {
  const byKey = new Map<string, UnpricedUsage>();
  for (const group of groups) {
    const identity = describeIdentity(group);
    const model = group.model ?? '';
    const key = JSON.stringify([group.source, model, identity]);
    const entry = byKey.get(key);
    if (entry) entry.quantities = addQuantities(entry.quantities, group.quantities);
    else {
      const costCentre = owners.get(group)?.centre ?? '';
      byKey.set(key, { source: group.source, model, identity, costCentre, quantities: group.quantities });
    }
  }
  return [...byKey.values()].sort(
    (a, b) => compareIds(a.model, b.model) || compareIds(a.identity, b.identity) || compareIds(a.source, b.source),
  );
}

function addQuantities(a: Quantities, b: Quantities): Quantities {
  return {
    requests: a.requests.plus(b.requests),
    input_tokens: a.input_tokens.plus(b.input_tokens),
    output_tokens: a.output_tokens.plus(b.output_tokens),
    cached_input_tokens: a.cached_input_tokens.plus(b.cached_input_tokens),
  };
}

function listUnmatched(usage: readonly UsageGroup[], owners: Owners, unallocated: string): string[] {
  const identities = new Set(usage.filter((g) => owners.get(g)?.matched === false).map(describeIdentity));
  return [...identities].sort(compareIds).map((identity) => `${identity} → ${unallocated}`);
}
