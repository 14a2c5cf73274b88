import { Decimal } from './money.js';
import type { Driver, UsageGroup } from './types.js';

/** A group's quantity of a driver (SPEC §4.1), before any tier multiplier. */
const DRIVER_QUANTITY: Record<Driver, (group: UsageGroup) => Decimal> = {
  requests: (g) => g.quantities.requests,
  input_tokens: (g) => g.quantities.input_tokens,
  output_tokens: (g) => g.quantities.output_tokens,
  tokens: (g) => g.quantities.input_tokens.plus(g.quantities.output_tokens),
};

export function driverQuantity(group: UsageGroup, driver: Driver): Decimal {
  return DRIVER_QUANTITY[driver](group);
}

export const ZERO = new Decimal(0);
