import { Decimal as BaseDecimal } from 'decimal.js';

// A private Decimal constructor: 200 significant digits keeps every product and sum we
// form exact, and plain-decimal printing never switches to exponent notation.
export const Decimal = BaseDecimal.clone({
  precision: 200,
  rounding: BaseDecimal.ROUND_HALF_UP,
  toExpNeg: -9e15,
  toExpPos: 9e15,
});
export type Decimal = BaseDecimal;

const DECIMAL_TEXT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * The decimals we read (issue 13, documented in the README): at most 64 characters, a
 * magnitude below 10^30 and nothing finer than 10^-40. Anything past that is no real amount
 * or quantity, and would cost unbounded time and memory in exact arithmetic.
 */
export const DECIMAL_LIMITS = { chars: 64, maxExponent: 29, minExponent: -40 } as const;

/** Parses decimal text (never a float); null when the text is not a decimal within DECIMAL_LIMITS. */
export function parseDecimal(text: string): Decimal | null {
  const trimmed = text.trim();
  if (trimmed.length > DECIMAL_LIMITS.chars || !DECIMAL_TEXT.test(trimmed)) return null;
  const exponent = /[eE]([+-]?\d+)$/.exec(trimmed)?.[1];
  if (exponent !== undefined && Math.abs(Number(exponent)) > 1000) return null;
  const value = new Decimal(trimmed);
  if (!value.isFinite()) return null;
  if (value.isZero()) return value;
  return value.e > DECIMAL_LIMITS.maxExponent || value.e < DECIMAL_LIMITS.minExponent ? null : value;
}

/** Rounds to cents, ties away from zero (SPEC §8.15: −0.005 → −0.01). */
export function roundCents(amount: Decimal): Decimal {
  return amount.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
}

/** Converts an amount that is already whole cents to integer minor units. */
export function toCents(amount: Decimal): bigint {
  const cents = amount.times(100);
  if (!cents.isInteger()) throw new RangeError(`amount ${amount.toFixed()} is not whole cents`);
  return BigInt(cents.toFixed(0));
}

/** Converts integer minor units back to a Decimal amount. */
export function fromCents(cents: bigint): Decimal {
  return new Decimal(cents.toString()).dividedBy(100);
}

/** Formats an amount with exactly two decimals, as statements and journals print it. */
export function formatAmount(amount: Decimal): string {
  return amount.toFixed(2);
}

/**
 * Prints a quantity or unit price as a plain decimal: exactly when it terminates within
 * 20 places, otherwise rounded half-even to 20 places (SPEC §8.16).
 */
export function formatQuantity(value: Decimal): string {
  const rounded = value.toDecimalPlaces(20, Decimal.ROUND_HALF_EVEN);
  const text = rounded.toFixed();
  return text === '-0' ? '0' : text;
}

/** Sums decimals exactly. */
export function sum(values: Iterable<Decimal>): Decimal {
  let total = new Decimal(0);
  for (const value of values) total = total.plus(value);
  return total;
}

/** ISO 4217 codes, as the runtime knows them (Intl): never a hand-kept list. */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isIsoCurrency(code: string): boolean {
  return ISO_CURRENCIES.has(code);
}
