import { compareIds } from '../order.js';
import { readString } from '../fields.js';
import { fromCents } from '../money.js';
import { roundedParts, shown } from '../parts.js';
import type { BilledOwner } from '../bill-owners.js';
import type { AllocationMethod, PoolCharge } from './method.js';

/**
 * `direct` (issue 29): each billing record's cost goes to the centre whose match names its
 * account, subscription, project, resource group, service or resource tag; unmatched records
 * to the unallocated centre, on a line naming their largest accounts. Each centre's exact sum
 * (overhead applied) is floored to the cent and the leftover cents go one each to the largest
 * remainders, ties to the smaller id, so the lines add up to `C` exactly, credits and all.
 */
interface Params {
  /** Who pays for commitment left unused (a reservation's, a Savings Plan's): a centre, by default the unallocated one. */
  unusedCommitments?: string;
}

export const direct: AllocationMethod<Params> = {
  name: 'direct',
  kind: 'split',
  drivers: [],
  needsCost: true,
  keys: ['unused_commitments'],
  parse(raw, path, issues, { centreIds }) {
    const cost = raw.cost as Record<string, unknown> | undefined;
    if (cost !== undefined && (typeof cost !== 'object' || cost === null || !('billing' in cost))) {
      issues.add([...path, 'cost'], 'method direct charges each bill to its owner: the pool needs "cost: { billing: … }"');
    }
    if (raw.unused_commitments === undefined) return {};
    const centre = readString(raw.unused_commitments, [...path, 'unused_commitments'], issues);
    if (centre === null) return null;
    if (!centreIds.has(centre)) {
      issues.add([...path, 'unused_commitments'], `"${centre}" is not a cost centre of this card`);
      return null;
    }
    return { unusedCommitments: centre };
  },
  driversUsed: () => [],
  charge({ pool, costCents, billed, unallocated }) {
    const factor = pool.overheadPct.dividedBy(100).plus(1);
    const owners = [...(billed ?? new Map<string, BilledOwner>())].filter(([, o]) => !o.amount.isZero()).sort(([a], [b]) => compareIds(a, b));
    const exact = owners.map(([centre, owner]) => {
      const cents = owner.amount.times(factor).times(100);
      return { centre, owner, exact: owner.amount.times(factor), cents: BigInt(cents.floor().toFixed(0)), remainder: cents.minus(cents.floor()) };
    });
    let leftover = (costCents ?? 0n) - exact.reduce((total, e) => total + e.cents, 0n);
    for (const e of [...exact].sort((a, b) => b.remainder.comparedTo(a.remainder) || compareIds(a.centre, b.centre))) {
      if (leftover <= 0n) break;
      e.cents += 1n;
      leftover -= 1n;
    }
    const overhead = pool.overheadPct.isZero() ? '' : ` × (1 + ${shown(pool.overheadPct)}% overhead)`;
    const charges = exact.map(({ centre, owner, exact: amount, cents }): PoolCharge => {
      const records = `${owner.records} billing record${owner.records === 1 ? '' : 's'}`;
      const unused = owner.unusedCommitment.isZero() ? '' : `, ${shown(owner.unusedCommitment)} of it unused commitment`;
      const whose = centre === unallocated
        ? `${records} matching no cost centre${owner.top.length > 0 ? ` (largest: ${owner.top.map((t) => `${t.who} ${t.amount.toFixed(2)}`).join('; ')})` : ''}`
        : `${records} of ${centre}`;
      return { costCentre: centre, kind: 'usage', quantity: null, unitPrice: null, amount: fromCents(cents),
        parts: roundedParts(`${whose}: ${shown(owner.amount)}${unused}${overhead}`, amount, fromCents(cents), 'to the cent, the leftover cents by largest remainder') };
    });
    return { charges, warnings: [] };
  },
};

