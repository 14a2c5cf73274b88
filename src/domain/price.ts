import { Decimal, roundCents } from './money.js';

/**
 * `round_half_up(numerator / denominator)` to cents, with the division done once, last, at
 * 200 significant digits: an exact half-cent stays a half-cent (SPEC §4.2, "exactness").
 */
export function priceLine(numerator: Decimal, denominator: Decimal): Decimal {
  return roundCents(numerator.dividedBy(denominator));
}

/** Display value of a base quantity (base ÷ divisor). */
export function displayQuantity(base: Decimal, divisor: Decimal): Decimal {
  return base.dividedBy(divisor);
}

export { Decimal };
