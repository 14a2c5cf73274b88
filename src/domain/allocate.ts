import { Decimal } from './money.js';
import { compareIds } from './order.js';

/** One party to a split and its non-negative weight. */
export interface Weight {
  id: string;
  weight: Decimal;
}

/**
 * Splits `totalCents` over the weights by the largest-remainder method, in exact integer
 * arithmetic (SPEC §4.1): every share is floor(total × w / W) cents, then the leftover cents
 * go one each to the largest remainders, ties to the smaller id (byte order). A negative
 * total is split as its absolute value and negated.
 * Shares always sum to `totalCents`; none has the opposite sign of the total; the result
 * does not depend on the order of `weights`. Returns null when all weights are zero.
 */
export function allocate(totalCents: bigint, weights: readonly Weight[]): Map<string, bigint> | null {
  assertUniqueIds(weights);
  const scaled = scaleToIntegers(weights);
  const denominator = scaled.reduce((acc, w) => acc + w.units, 0n);
  if (denominator === 0n) return null;

  const sign = totalCents < 0n ? -1n : 1n;
  const magnitude = totalCents * sign;
  const shares = scaled.map((w) => ({
    id: w.id,
    cents: (magnitude * w.units) / denominator,
    remainder: (magnitude * w.units) % denominator,
  }));

  let leftover = magnitude - shares.reduce((acc, s) => acc + s.cents, 0n);
  const byRemainder = [...shares].sort(
    (a, b) => (a.remainder === b.remainder ? compareIds(a.id, b.id) : a.remainder > b.remainder ? -1 : 1),
  );
  for (const share of byRemainder) {
    if (leftover === 0n) break;
    share.cents += 1n;
    leftover -= 1n;
  }
  return new Map(shares.map((s) => [s.id, s.cents * sign]));
}

/** Scales decimal weights by a common power of ten so that all are integers, exactly. */
function scaleToIntegers(weights: readonly Weight[]): { id: string; units: bigint }[] {
  const places = weights.reduce((max, w) => Math.max(max, w.weight.decimalPlaces()), 0);
  const factor = new Decimal(10).pow(places);
  return weights.map((w) => {
    if (w.weight.isNegative() && !w.weight.isZero()) {
      throw new RangeError(`weight of ${w.id} is negative: ${w.weight.toFixed()}`);
    }
    return { id: w.id, units: BigInt(w.weight.times(factor).toFixed(0)) };
  });
}

function assertUniqueIds(weights: readonly Weight[]): void {
  const seen = new Set<string>();
  for (const w of weights) {
    if (seen.has(w.id)) throw new RangeError(`duplicate id in split: ${w.id}`);
    seen.add(w.id);
  }
}
