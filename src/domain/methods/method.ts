import type { FieldPath, Issues, Raw } from '../fields.js';
import type { Decimal } from '../money.js';
import type { AmountPart } from '../parts.js';
import type { BilledOwner } from '../bill-owners.js';
import type { Driver, Pool, UsageGroup } from '../types.js';
import type { Period } from '../month.js';

/** The usage a pool serves, already aggregated per cost centre. */
export interface PoolUsage {
  /**
   * Each centre's quantity of `driver` in base units (see drivers.ts), over the pool's usage
   * and with its multipliers; only centres with usage appear. For `charges`: each centre's
   * total of the other pools, for centres other than unallocated whose total is > 0.
   */
  quantities(driver: Driver): ReadonlyMap<string, Decimal>;
  /** Centres with at least one usage record in the pool's usage (unallocated included). */
  centres: ReadonlySet<string>;
  /** Each of the pool's usage groups with its owning centre: for methods that price group by group (price-list). */
  owned(): readonly { group: UsageGroup; centre: string }[];
}

/** What a method is given for one pool: aggregated quantities, never single events. */
export interface PoolInput {
  pool: Pool;
  /** `C` in cents (overhead applied, rounded once), or null for a pure price list. */
  costCents: bigint | null;
  usage: PoolUsage;
  unallocated: string;
  /** Centres other than unallocated with any ok usage in the month in any pool, sorted. */
  activeCentres: readonly string[];
  /** The month, its zone and range: when a price is in force. */
  period: Period;
  /** For `direct` pools: what the pool's billing records add up to per owning centre. */
  billed?: ReadonlyMap<string, BilledOwner>;
}

/** One amount a method assigns: a centre's own line, or an idle line. */
export interface PoolCharge {
  costCentre: string;
  kind: 'usage' | 'idle';
  /** The driver's value for display (base ÷ divisor), or null where none applies. */
  quantity: Decimal | null;
  unitPrice: Decimal | null;
  amount: Decimal;
  /** How the amount is made, term by term; they add up to it (see parts.ts). */
  parts: AmountPart[];
}

export interface PoolOutcome {
  charges: PoolCharge[];
  warnings: string[];
  /** Usage the pool takes but cannot price (a model with no price row): listed as unpriced, never charged $0. */
  unpriced?: UsageGroup[];
  /** A price list's charges before rounding, per provider and model: what `explain` holds to the invoice. */
  listed?: { provider: string | null; model: string; amount: Decimal }[];
}

/** What a method's parser may check its parameters against. */
export interface ParseContext {
  /** Every cost-centre id of the card, the unallocated one included. */
  centreIds: ReadonlySet<string>;
  hasCost: boolean;
}

/**
 * An allocation method owns its parameter schema and its arithmetic (STYLE: one module per
 * method, one registry). `split` methods divide `C` among centres; `price` methods charge
 * by rate, and the pool's idle (`C − Σ charges`) is settled after them when it has a cost.
 */
export interface AllocationMethod<P = unknown> {
  name: string;
  kind: 'split' | 'price';
  /** The drivers the method accepts; empty when the method names its drivers elsewhere. */
  drivers: readonly Driver[];
  /** Whether a pool of this method must have a `cost`. */
  needsCost: boolean;
  /** The pool keys this method reads besides the shared ones. */
  keys: readonly string[];
  parse(raw: Raw, path: FieldPath, issues: Issues, context: ParseContext): P | null;
  /** The drivers a pool of this method uses, so charges-driven pools can be found. */
  driversUsed(pool: Pool, params: P): readonly Driver[];
  charge(input: PoolInput, params: P): PoolOutcome;
}

/** The pool's single driver; the schema guarantees one for every method but hybrid. */
export function driverOf(pool: Pool): Driver {
  if (!pool.driver) throw new RangeError(`pool ${pool.id} has no driver`);
  return pool.driver;
}
