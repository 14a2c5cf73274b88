import { allocate } from './allocate.js';
import type { PoolCharge } from './methods/index.js';
import { fromCents, toCents } from './money.js';
import type { Pool } from './types.js';

/**
 * Settles a price pool's idle, `C − Σ charges` (SPEC §4.1, §8.10): `unallocated` posts it as
 * an idle line of the unallocated centre (negative on over-recovery, with a warning);
 * `spread` adds it into the charged centres' own lines in proportion to |charge| (largest
 * remainder), falling back to an idle line when nobody was charged. Either way the pool's
 * charges then add up to `C` exactly.
 */
export function settleIdle(
  pool: Pool,
  costCents: bigint,
  charges: readonly PoolCharge[],
  unallocated: string,
): { charges: PoolCharge[]; warnings: string[] } {
  const charged = charges.reduce((total, c) => total + toCents(c.amount), 0n);
  const idle = costCents - charged;
  if (idle === 0n) return { charges: [...charges], warnings: [] };
  const warnings =
    idle < 0n
      ? [`pool ${pool.id}: charges exceed its cost by ${fromCents(-idle).toFixed(2)} (over-recovery); idle is negative`]
      : [];
  if (pool.idle === 'spread') {
    const weights = charges
      .filter((c) => c.kind === 'usage' && !c.amount.isZero())
      .map((c) => ({ id: c.costCentre, weight: c.amount.abs() }));
    const shares = allocate(idle, weights);
    if (shares) {
      const what = `share of the pool's idle ${fromCents(idle).toFixed(2)} (C less every charge), spread by the size of each charge`;
      const spread = charges.map((c) => {
        const share = c.kind === 'usage' ? shares.get(c.costCentre) : undefined;
        return share === undefined ? c : { ...c, amount: c.amount.plus(fromCents(share)), parts: [...c.parts, { what, amount: fromCents(share) }] };
      });
      return { charges: spread, warnings };
    }
  }
  const line: PoolCharge = { costCentre: unallocated, kind: 'idle', quantity: null, unitPrice: null, amount: fromCents(idle),
    parts: [{ what: `the pool's idle: C ${fromCents(costCents).toFixed(2)} less its charges ${fromCents(charged).toFixed(2)}`, amount: fromCents(idle) }] };
  return { charges: [...charges, line], warnings };
}
