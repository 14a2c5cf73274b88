import { allocate } from '../allocate.js';
import {
  checkKeys,
  describe,
  readChoice,
  readDecimal,
  readRecord,
  type Decimal,
  type FieldPath,
  type Issues,
  type Raw,
} from '../fields.js';
import { Decimal as D, fromCents, sum } from '../money.js';
import { DRIVERS, type Driver } from '../types.js';
import type { AllocationMethod, ParseContext, PoolInput } from './method.js';

type Component =
  | { weight: Decimal; split: 'even' }
  | { weight: Decimal; split: 'shares'; shares: ReadonlyMap<string, Decimal> }
  | { weight: Decimal; split: 'driver'; driver: Driver };

interface Params {
  components: readonly Component[];
}

/**
 * `hybrid` (SPEC §4.2, §8.13): `C` is split over the components by weight (largest remainder,
 * ties to the earlier component), then each component over cost centres: `even` among the
 * active centres, by fixed `shares`, or by a `driver`. A component with nobody to split over
 * goes to the unallocated centre. A centre's line is the sum of its component amounts, and
 * the pool adds up to `C` exactly.
 */
export const hybrid: AllocationMethod<Params> = {
  name: 'hybrid',
  kind: 'split',
  drivers: [],
  needsCost: true,
  keys: ['components'],
  parse(raw, path, issues, context) {
    if (!Array.isArray(raw.components) || raw.components.length === 0) {
      issues.add([...path, 'components'], 'hybrid needs "components": a list of { weight, split } entries');
      return null;
    }
    const items = raw.components as unknown[];
    const components = items.map((item, i) => readComponent(item, [...path, 'components', i], issues, context));
    if (components.some((c) => c === null)) return null;
    const weights = sum((components as Component[]).map((c) => c.weight));
    if (!weights.equals(1)) {
      issues.add([...path, 'components'], `component weights must sum to exactly 1, they sum to ${weights.toFixed()}`);
      return null;
    }
    return { components: components as Component[] };
  },
  driversUsed: (_pool, { components }) => components.flatMap((c) => (c.split === 'driver' ? [c.driver] : [])),
  charge(input, { components }) {
    const total = input.costCents ?? 0n;
    // Zero-padded indexes make "ties to the earlier component" the allocator's id order.
    const byComponent = allocate(total, components.map((c, i) => ({ id: String(i).padStart(6, '0'), weight: c.weight })));
    // Each centre's cents per component: the line is their sum, and explain lists them.
    const amounts = new Map<string, { what: string; cents: bigint }[]>();
    const add = (id: string, what: string, cents: bigint) => amounts.set(id, [...(amounts.get(id) ?? []), { what, cents }]);
    const warnings: string[] = [];
    components.forEach((component, i) => {
      const cents = byComponent?.get(String(i).padStart(6, '0')) ?? 0n;
      const what = `component ${i + 1} (weight ${component.weight.toFixed()} of C, ${describeSplit(component)})`;
      const shares = allocate(cents, recipients(component, input));
      if (shares === null) {
        warnings.push(`pool ${input.pool.id}: component ${i} (${component.split}) has nobody to split over; it goes to ${input.unallocated}`);
        add(input.unallocated, `${what}, nobody to split over`, cents);
        return;
      }
      for (const [id, share] of shares) add(id, what, share);
    });
    const charges = [...amounts].map(([costCentre, parts]) => ({
      costCentre,
      kind: 'usage' as const,
      quantity: null,
      unitPrice: null,
      amount: fromCents(parts.reduce((total, p) => total + p.cents, 0n)),
      parts: parts.map((p) => ({ what: p.what, amount: fromCents(p.cents) })),
    }));
    return { charges, warnings };
  },
};

const ONE = new D(1);

function describeSplit(component: Component): string {
  return component.split === 'driver' ? `split by ${component.driver}` : component.split === 'even' ? 'split evenly' : 'split by fixed shares';
}

function recipients(component: Component, input: PoolInput): { id: string; weight: Decimal }[] {
  switch (component.split) {
    case 'even':
      return input.activeCentres.map((id) => ({ id, weight: ONE }));
    case 'shares':
      return [...component.shares].map(([id, weight]) => ({ id, weight }));
    case 'driver':
      return [...input.usage.quantities(component.driver)].map(([id, weight]) => ({ id, weight }));
  }
}

function readComponent(item: unknown, path: FieldPath, issues: Issues, context: ParseContext): Component | null {
  const raw = readRecord(item, path, issues);
  if (!raw) return null;
  const split = readChoice(raw.split, ['even', 'shares', 'driver'] as const, [...path, 'split'], issues);
  checkKeys(raw, ['weight', 'split', ...(split === 'shares' ? ['shares'] : split === 'driver' ? ['driver'] : [])], path, issues);
  const weight = readDecimal(raw.weight, [...path, 'weight'], issues);
  if (weight?.isNegative()) issues.add([...path, 'weight'], `expected a weight of 0 or more, got ${weight.toFixed()}`);
  if (!split || !weight || weight.isNegative()) return null;
  if (split === 'even') return { weight, split };
  if (split === 'driver') {
    const driver = readChoice(raw.driver, DRIVERS, [...path, 'driver'], issues);
    return driver ? { weight, split, driver } : null;
  }
  const shares = readShares(raw, [...path, 'shares'], issues, context);
  return shares ? { weight, split, shares } : null;
}

function readShares(raw: Raw, path: FieldPath, issues: Issues, { centreIds }: ParseContext): Map<string, Decimal> | null {
  const shares = readRecord(raw.shares, path, issues);
  if (!shares) return null;
  const out = new Map<string, Decimal>();
  for (const [id, value] of Object.entries(shares)) {
    if (!centreIds.has(id)) issues.add([...path, id], `"${id}" is not a cost centre of this card`);
    const share = typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
      ? new D(value)
      : typeof value === 'string' ? readDecimal(value, [...path, id], issues) : null;
    if (share === null && typeof value !== 'string') issues.add([...path, id], `expected a share of 0 or more, got ${describe(value)}`);
    if (share?.isNegative()) {
      issues.add([...path, id], `expected a share of 0 or more, got ${share.toFixed()}`);
      continue;
    }
    if (share && centreIds.has(id)) out.set(id, share);
  }
  return out.size === Object.keys(shares).length ? out : null;
}
