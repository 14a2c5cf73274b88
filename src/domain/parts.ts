import { Decimal, formatQuantity, sum } from './money.js';

/**
 * One term of a statement line's amount (SPEC §5, explain): what a method priced or shared,
 * its rounding to the cent, an idle share. A line's parts add up to its amount, so `explain`
 * can show every amount as arithmetic rather than assert it.
 */
export interface AmountPart {
  what: string;
  amount: Decimal;
  /** The model a price-list term prices (issue 35: spend per model); a run stores only `what` and `amount`. */
  model?: string;
}

/** An exact amount as the method computed it, then what rounding it to the line's cents added. */
export function roundedParts(what: string, exact: Decimal, amount: Decimal, rounding = 'rounding half-up to the cent'): AmountPart[] {
  const difference = amount.minus(exact);
  return [{ what, amount: exact }, ...(difference.isZero() ? [] : [{ what: rounding, amount: difference }])];
}

/** The sum of a line's parts; equal to its amount. */
export function partsTotal(parts: readonly AmountPart[]): Decimal {
  return sum(parts.map((p) => p.amount));
}

/** A number as a part's text shows it. */
export const shown = (value: Decimal): string => formatQuantity(value);

export { Decimal };
