import type { FieldPath, Issues, Raw } from '../fields.js';
import type { Decimal } from '../money.js';
import type { Driver, Pool } from '../types.js';

/** What a method is given for one pool: already aggregated quantities, never events. */
export interface PoolInput {
  pool: Pool;
  /** `C` in cents (overhead applied, rounded once), or null for a pure price list. */
  costCents: bigint | null;
  /** Each cost centre's driver quantity in this pool (centres with usage only). */
  quantities: ReadonlyMap<string, Decimal>;
  unallocated: string;
}

/** One amount a method assigns: a centre's own line, or an idle line. */
export interface PoolCharge {
  costCentre: string;
  kind: 'usage' | 'idle';
  quantity: Decimal | null;
  unitPrice: Decimal | null;
  amount: Decimal;
}

export interface PoolOutcome {
  charges: PoolCharge[];
  warnings: string[];
}

/**
 * An allocation method owns its parameter schema and its arithmetic (STYLE: one module per
 * method, one registry). `parse` checks the pool's method-specific keys.
 */
export interface AllocationMethod<P = unknown> {
  name: string;
  drivers: readonly Driver[];
  /** Whether a pool of this method must have a `cost`. */
  needsCost: boolean;
  /** The pool keys this method reads besides the shared ones. */
  keys: readonly string[];
  parse(raw: Raw, path: FieldPath, issues: Issues): P | null;
  charge(input: PoolInput, params: P): PoolOutcome;
}
