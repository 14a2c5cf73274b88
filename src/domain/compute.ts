import { listAgainstInvoice } from './list-vs-invoice.js';
import { costParts } from './cost-parts.js';
import { billedCost } from './billing.js';
import { billedByOwner } from './bill-owners.js';
import { COUNTS } from './usage-counts.js';
import { ZERO } from './drivers.js';
import { settleIdle } from './idle.js';
import { describeIdentity, filterTakes, matchCostCentre, ownerOf } from './match.js';
import { METHODS, type PoolCharge } from './methods/index.js';
import { Decimal, formatQuantity, fromCents, roundCents, sum, toCents } from './money.js';
import type { Period } from './month.js';
import { compareIds } from './order.js';
import { poolUsage, type Owners } from './pool-usage.js';
import { creditDriver, describeCredit, poolCredits, type SloCredit, type SloMeasure } from './slo.js';
import type {
  BillingRecord,
  Conversion,
  CostPart,
  Pool,
  PoolCostSource,
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
  /** The month, in the card's zone. */
  period: Period;
  usage: readonly UsageGroup[];
  /** Billing records that may overlap the month; they are prorated to it in the card's zone. */
  billing?: readonly BillingRecord[];
  /**
   * The identities behind usage that matched no centre and was summed before it reached here
   * (groups with `centre`, which carry no identity); other groups speak for themselves.
   */
  unmatched?: UnmatchedIdentities;
  /** How many unmatched identities the warning names (the rest are counted); UNMATCHED_LISTED unless verbose. */
  listed?: number;
  /** What each promised tier got, per pool, tier and centre (sloKey): the pools' SLO credits (issue 21). */
  slo?: ReadonlyMap<string, SloMeasure>;
  /** The month's measured GPU energy in mJ per host: what a pool's `energy` part prices (issue 35). */
  gpuEnergy?: ReadonlyMap<string, Decimal>;
}

interface PoolResult {
  pool: Pool;
  lines: StatementLine[];
  warnings: string[];
  costCents: bigint | null;
  source: PoolCostSource;
  /** Usage the pool took but could not price (price-list: a model with no row). */
  unpriced: UsageGroup[];
}

/**
 * Allocates one month: matches usage to cost centres, charges every pool by its method
 * (pools driven by `charges` last, over the others' totals), settles idle and lists
 * unpriced usage. Pure and deterministic: the same card and usage give the same statement
 * whatever the order of `usage`. Every pool with a cost adds up to it exactly.
 */
export function computeMonth({ card, period, usage: all, billing = [], unmatched = NO_IDENTITIES, listed = UNMATCHED_LISTED, slo = new Map(), gpuEnergy = new Map() }: ComputeInput): Statement {
  // SPEC §8.6: a GPU interval with neither a label nor a matching host is idle time, in no driver.
  const usage = all.filter((g) => g.source !== 'gpu' || g.labelled || matchCostCentre(g, card.costCentres) !== null);
  const owners = assignOwners(card, usage);
  const served = new Map(card.pools.map((pool) => [pool, usage.filter((group) => filterTakes(pool.usage, group))]));
  const taken = new Set([...served.values()].flat());
  const activeCentres = [...new Set([...taken].map((g) => owners.get(g)?.centre ?? card.unallocated))]
    .filter((id) => id !== card.unallocated)
    .sort(compareIds);
  const context = { card, owners, served, activeCentres, billing, period, gpuEnergy };

  const direct = card.pools.filter((pool) => !isDrivenByCharges(pool));
  const results = direct.map((pool) => chargePool(pool, context, null));
  const charges = centreCharges(results.flatMap((r) => r.lines), card.unallocated);
  results.push(...card.pools.filter(isDrivenByCharges).map((pool) => chargePool(pool, context, charges)));
  results.sort((a, b) => card.pools.indexOf(a.pool) - card.pools.indexOf(b.pool));
  for (const result of results) credit(result, context, slo);

  const lines = results.flatMap((r) => r.lines);
  const pools = results.map(reconcilePool);
  return {
    month: period.month.label,
    currency: card.currency,
    lines: lines.sort(compareLines),
    poolCosts: results.map((r) => r.source),
    unpriced: listUnpriced([...usage.filter((group) => !taken.has(group)), ...results.flatMap((r) => r.unpriced)], owners),
    unmatched: listUnmatched(unmatched, unmatchedOf(usage, owners), card.unallocated, listed),
    warnings: results.flatMap((r) => r.warnings),
    reconciliation: {
      poolCosts: sum(results.filter((r) => r.costCents !== null).map((r) => fromCents(r.costCents ?? 0n))),
      priceListCharges: sum(results.filter((r) => r.costCents === null).flatMap((r) => r.lines.map((l) => l.amount))),
      lines: sum(lines.map((l) => l.amount)),
      pools,
    },
  };
}

/** Pools whose lines do not add up to their cost, described for the user; empty when all do. */
export function reconciliationFailures(statement: Statement): string[] {
  return statement.reconciliation.pools
    .filter((p) => !p.expected.equals(p.actual))
    .map((p) => `pool ${p.pool}: lines add up to ${p.actual.toFixed(2)}, pool cost is ${p.expected.toFixed(2)}`);
}

/**
 * `C` = cost × (1 + overhead_pct / 100), rounded half-up to cents once; null without a cost.
 * A billing-fed pool's cost is `billed`, what its records add up to in the month; a cost
 * built from parts (issue 35) is their sum.
 */
export function poolCostCents(pool: Pool, billed: Decimal | null = null, parts: readonly CostPart[] | null = null): bigint | null {
  const base = poolBase(pool, billed, parts);
  return base === null ? null : toCents(roundCents(base.times(pool.overheadPct.dividedBy(100).plus(1))));
}

/** The cost before overhead: its parts' sum, the fixed amount or the bill; null without a cost. */
function poolBase(pool: Pool, billed: Decimal | null, parts: readonly CostPart[] | null): Decimal | null {
  if (!pool.cost) return null;
  if (parts) return sum(parts.map((p) => p.amount));
  return pool.cost.kind === 'fixed' ? pool.cost.amount : (billed ?? ZERO);
}

/** SPEC §8.14: a pool is driven by charges when its driver, or a component's, is `charges`. */
export function isDrivenByCharges(pool: Pool): boolean {
  const method = METHODS[pool.method];
  return method?.driversUsed(pool, pool.params).includes('charges') ?? false;
}

interface Context {
  card: RateCard;
  owners: Owners;
  served: ReadonlyMap<Pool, readonly UsageGroup[]>;
  activeCentres: readonly string[];
  billing: readonly BillingRecord[];
  period: Period;
  gpuEnergy: ReadonlyMap<string, Decimal>;
}

function chargePool(pool: Pool, context: Context, charges: ReadonlyMap<string, Decimal> | null): PoolResult {
  const { card, owners, served, activeCentres } = context;
  const method = METHODS[pool.method];
  if (!method) throw new RangeError(`pool ${pool.id}: unknown method ${pool.method}`);
  const { billed, matched, conversions, warnings: costWarnings } = billedPoolCost(pool, context);
  const parts = pool.cost ? costParts(pool.cost, context.period.month, billed, context.gpuEnergy) : null;
  const costCents = poolCostCents(pool, billed, parts);
  const source: PoolCostSource = {
    pool: pool.id,
    kind: pool.cost?.kind ?? 'none',
    base: poolBase(pool, billed, parts),
    ...(parts ? { parts } : {}),
    ...(pool.cost?.kind === 'billing' ? { matched, column: pool.cost.column, ...(conversions.length > 0 ? { conversions } : {}) } : {}),
    overheadPct: pool.overheadPct,
    cost: costCents === null ? null : fromCents(costCents),
  };
  const usage = poolUsage(pool, served.get(pool) ?? [], owners, charges);
  const billedOwners = pool.method === 'direct' && pool.cost?.kind === 'billing'
    ? billedByOwner(pool.cost, context.billing, context.period, card.currency, card.exchangeRates ?? [], card.costCentres, card.unallocated,
      (pool.params as { unusedCommitments?: string }).unusedCommitments)
    : undefined;
  const outcome = method.charge({ pool, costCents, usage, unallocated: card.unallocated, activeCentres, period: context.period, ...(billedOwners ? { billed: billedOwners } : {}) }, pool.params);
  if (outcome.listed && pool.cost?.kind === 'billing') {
    source.listAgainstInvoice = listAgainstInvoice(outcome.listed, pool.cost, context.billing, context.period, card.currency, card.exchangeRates ?? []);
  }
  const settled =
    method.kind === 'price' && costCents !== null
      ? settleIdle(pool, costCents, outcome.charges, card.unallocated)
      : { charges: outcome.charges, warnings: [] };
  const logged = loggedUsage(served.get(pool) ?? [], owners);
  return {
    pool,
    lines: settled.charges.filter(isWorthALine).map((charge) => withUsage(toLine(card, pool, charge), charge, logged)),
    warnings: [...costWarnings, ...outcome.warnings, ...settled.warnings, ...unmeasuredBusyWarnings(pool, served.get(pool) ?? [])],
    costCents,
    source,
    unpriced: outcome.unpriced ?? [],
  };
}

/**
 * Issue 21: the pool's SLO credits as lines of their own (method slo-credit, negative), and,
 * when the pool has a cost, absorbed by the platform in its idle line, so that its lines
 * still add up to C. A price list without a cost simply recovers less.
 */
function credit(result: PoolResult, { card, served, owners }: Context, measures: ReadonlyMap<string, SloMeasure>): void {
  if (!result.pool.slo) return;
  const credits = poolCredits(result.pool, result.lines, served.get(result.pool) ?? [], (g) => owners.get(g)?.centre, measures);
  result.warnings.push(...credits.flatMap(measureWarnings));
  const given = credits.filter((c) => c.credit.greaterThan(0));
  if (given.length === 0) return;
  result.lines.push(...given.map((c) => creditLine(card, c)));
  if (result.costCents === null) return;
  const total = sum(given.map((c) => c.credit));
  const absorbed = { what: 'SLO credits the platform absorbs', amount: total };
  const at = result.lines.findIndex((l) => l.costCentre === card.unallocated && l.method === 'idle');
  const idle = at >= 0 ? result.lines[at]! : toLine(card, result.pool, { kind: 'idle', costCentre: card.unallocated, amount: ZERO, quantity: null, unitPrice: null, parts: [] });
  const grown = { ...idle, amount: idle.amount.plus(total), parts: [...(idle.parts ?? []), absorbed] };
  if (at >= 0) result.lines[at] = grown;
  else result.lines.push(grown);
}

function creditLine(card: RateCard, c: SloCredit): StatementLine {
  const amount = c.credit.negated();
  return {
    costCentre: c.costCentre,
    costCentreName: card.costCentres.find((centre) => centre.id === c.costCentre)?.name ?? '',
    pool: c.pool,
    method: 'slo-credit',
    driver: creditDriver(c.tier),
    quantity: null,
    unitPrice: null,
    amount,
    parts: [{ what: describeCredit(c), amount }],
  };
}

/** Requests that carry no latency are reported, never taken as fast. */
function measureWarnings(c: SloCredit): string[] {
  const { measure, promise } = c;
  if (promise.latencyP99Ms === null || measure.withoutLatency === 0n) return [];
  const where = `pool ${c.pool}: tier ${c.tier} of ${c.costCentre}`;
  if (measure.p99Ms === null) return [`${where}: none of its ${measure.okRequests} ok requests carries a latency: its latency promise is not measured`];
  return [`${where}: ${measure.withoutLatency} of its ${measure.okRequests} ok requests carry no latency: the p99 is of the others`];
}

function billedPoolCost(pool: Pool, { card, billing, period }: Context): { billed: Decimal | null; matched: number; conversions: Conversion[]; warnings: string[] } {
  if (pool.cost?.kind !== 'billing') return { billed: null, matched: 0, conversions: [], warnings: [] };
  const { amount, matched, conversions } = billedCost(pool.id, pool.cost, billing, period, card.currency, card.exchangeRates);
  const warnings = matched === 0 ? [`pool ${pool.id}: its billing filter matches no records in the month; its cost is 0.00`] : [];
  return { billed: amount, matched, conversions, warnings };
}

/** SPEC §8.14: each centre's total of the first-phase pools; unallocated and totals ≤ 0 excluded. */
function centreCharges(lines: readonly StatementLine[], unallocated: string): Map<string, Decimal> {
  const totals = new Map<string, Decimal>();
  for (const line of lines) totals.set(line.costCentre, (totals.get(line.costCentre) ?? ZERO).plus(line.amount));
  return new Map([...totals].filter(([id, total]) => id !== unallocated && total.greaterThan(0)));
}

function reconcilePool({ pool, lines, costCents }: PoolResult): PoolReconciliation {
  const actual = sum(lines.map((line) => line.amount));
  return { pool: pool.id, expected: costCents === null ? actual : fromCents(costCents), actual };
}

function assignOwners(card: RateCard, usage: readonly UsageGroup[]): Owners {
  return new Map(
    usage.map((group) => {
      const { id, matched } = ownerOf(group, card);
      return [group, { centre: id, matched }];
    }),
  );
}

/** The quantities a usage line shows, in one order whatever order the groups came in. */
const LOGGED = ['requests', ...COUNTS.map((c) => c.column)] as const;
type Logged = Partial<Record<(typeof LOGGED)[number], Decimal>>;

/** Per centre, the gateway usage a pool served it, as logged: requests and every count, those not 0, in LOGGED order. */
function loggedUsage(served: readonly UsageGroup[], owners: Owners): Map<string, Logged> {
  const sums = new Map<string, Decimal[]>();
  for (const group of served) {
    const centre = owners.get(group)?.centre;
    if (group.source !== 'gateway' || centre === undefined) continue;
    const totals = sums.get(centre) ?? LOGGED.map(() => ZERO);
    sums.set(centre, totals.map((total, i) => total.plus(group.quantities[LOGGED[i]!])));
  }
  return new Map([...sums].map(([centre, totals]) => [centre, Object.fromEntries(
    LOGGED.flatMap((column, i) => (totals[i]!.isZero() ? [] : [[column, totals[i]!]])),
  ) as Logged]));
}

/** A centre's own usage line with the usage behind it; idle and credit lines have none of their own. */
function withUsage(line: StatementLine, charge: PoolCharge, logged: ReadonlyMap<string, Logged>): StatementLine {
  const usage = charge.kind === 'usage' ? logged.get(charge.costCentre) : undefined;
  return usage && Object.keys(usage).length > 0 ? { ...line, usage } : line;
}

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
    driver: pool.driver ?? '',
    quantity: charge.kind === 'idle' ? null : charge.quantity,
    unitPrice: charge.kind === 'idle' ? null : charge.unitPrice,
    amount: charge.amount,
    parts: charge.parts,
  };
}

/** Sorted by cost centre, then pool (byte order); a centre's own row, then its SLO credit, then its idle row. */
function compareLines(a: StatementLine, b: StatementLine): number {
  return compareIds(a.costCentre, b.costCentre) || compareIds(a.pool, b.pool) || lineRank(a) - lineRank(b);
}

const lineRank = (line: StatementLine): number => (line.method === 'idle' ? 2 : line.method === 'slo-credit' ? 1 : 0);

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
  const keys = Object.keys(a) as (keyof Quantities)[];
  return Object.fromEntries(keys.map((k) => [k, a[k].plus(b[k])])) as unknown as Quantities;
}

/** Identities of groups that carry their own and matched no centre. */
function unmatchedOf(usage: readonly UsageGroup[], owners: Owners): string[] {
  return usage.filter((g) => g.centre === undefined && owners.get(g)?.matched === false).map(describeIdentity);
}

/** How many unmatched identities a warning names; the rest are counted. */
export const UNMATCHED_LISTED = 10;

/** Unmatched identities as a warning names them: the first UNMATCHED_LISTED in order, and how many there are. */
export interface UnmatchedIdentities {
  first: readonly string[];
  count: number;
}

const NO_IDENTITIES: UnmatchedIdentities = { first: [], count: 0 };

/**
 * Takes distinct identities one at a time and keeps only the first `limit` in order
 * (compareIds), so that a log with a million unmatched identities costs no memory.
 */
export function unmatchedCollector(limit = UNMATCHED_LISTED) {
  const first: string[] = [];
  let count = 0;
  return {
    add(identity: string): void {
      count++;
      if (first.length === limit && compareIds(identity, first[first.length - 1]!) >= 0) return;
      let at = first.length;
      while (at > 0 && compareIds(identity, first[at - 1]!) < 0) at--;
      first.splice(at, 0, identity);
      if (first.length > limit) first.pop();
    },
    result: (): UnmatchedIdentities => ({ first: [...first], count }),
  };
}

/**
 * `identity → unallocated` for each unmatched identity, sorted by identity. A real log can
 * have tens of thousands: past UNMATCHED_LISTED, one last entry counts the others, and
 * `explain` on the unallocated centre names the largest. `summed` and `own` are disjoint.
 */
function listUnmatched(summed: UnmatchedIdentities, own: readonly string[], unallocated: string, listed: number): string[] {
  const all = unmatchedCollector(listed);
  for (const identity of new Set([...summed.first, ...own])) all.add(identity);
  const { first } = all.result();
  const count = summed.count + new Set(own).size;
  const named = first.map((identity) => `${identity} → ${unallocated}`);
  const rest = count - named.length;
  if (rest === 0) return named;
  return [...named, `${rest} more identities → ${unallocated} (compute --verbose lists them all; chargeback explain --cost-centre ${unallocated} the largest)`];
}

/**
 * A pool driven by busy GPU time whose GPUs did not report it for some of their time (MIG
 * mode: nvidia-smi's [N/A]): that time is unknown, so it neither charges anyone nor counts
 * as idle work; the pool says how much it could not measure, never a quiet 0.
 */
function unmeasuredBusyWarnings(pool: Pool, groups: readonly UsageGroup[]): string[] {
  if (pool.driver !== 'gpu_busy_hours') return [];
  const seconds = groups.reduce((sum, g) => (g.unmeasuredBusySeconds ? sum.plus(g.unmeasuredBusySeconds) : sum), ZERO);
  if (seconds.isZero()) return [];
  const hours = seconds.dividedBy(3600).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN);
  return [`pool ${pool.id}: ${formatQuantity(hours)} GPU-hours reported no utilisation ([N/A], e.g. MIG mode): their busy time could not be measured and is not charged by gpu_busy_hours`];
}
