import { Decimal } from './money.js';
import type { Driver, TokenWeights, UsageGroup } from './types.js';

export const ZERO = new Decimal(0);
const ONE = new Decimal(1);
const SECONDS_PER_HOUR = new Decimal(3600);
/** 1 kWh = 3.6 MJ = 3.6e9 mJ: energy is kept in DCGM's millijoules and divided once. */
export const MJ_PER_KWH = new Decimal(3_600_000_000);

/**
 * How a driver is measured. Quantities are kept in exact base units (requests, tokens,
 * seconds); the driver's value is `base / divisor`. GPU hours are seconds / 3600, which
 * does not terminate as a decimal, so every price multiplies first and divides once at the
 * end (SPEC §4.2, "exactness"), and splits use the base units, which scale alike.
 */
interface DriverMeasure {
  base(group: UsageGroup, weights: TokenWeights): Decimal;
  divisor: Decimal;
  /** Event drivers are scaled by tier multipliers; GPU drivers are not (SPEC §8.8). */
  fromEvents: boolean;
}

const MEASURES: Record<Exclude<Driver, 'charges'>, DriverMeasure> = {
  requests: { base: (g) => g.quantities.requests, divisor: ONE, fromEvents: true },
  input_tokens: { base: (g) => g.quantities.input_tokens, divisor: ONE, fromEvents: true },
  output_tokens: { base: (g) => g.quantities.output_tokens, divisor: ONE, fromEvents: true },
  cached_input_tokens: { base: (g) => g.quantities.cached_input_tokens, divisor: ONE, fromEvents: true },
  tokens: { base: (g) => g.quantities.input_tokens.plus(g.quantities.output_tokens), divisor: ONE, fromEvents: true },
  weighted_tokens: { base: weightedTokens, divisor: ONE, fromEvents: true },
  gpu_seconds: { base: (g) => g.quantities.gpu_seconds, divisor: ONE, fromEvents: false },
  gpu_hours: { base: (g) => g.quantities.gpu_seconds, divisor: SECONDS_PER_HOUR, fromEvents: false },
  gpu_busy_hours: { base: (g) => g.quantities.gpu_busy_seconds, divisor: SECONDS_PER_HOUR, fromEvents: false },
  gpu_mem_gib_hours: { base: (g) => g.quantities.gpu_mem_gib_seconds, divisor: SECONDS_PER_HOUR, fromEvents: false },
  gpu_energy_kwh: { base: (g) => g.quantities.gpu_energy_mj, divisor: MJ_PER_KWH, fromEvents: false },
};

/** (input − cached) × w.input + cached × w.cached + output × w.output. */
function weightedTokens(group: UsageGroup, weights: TokenWeights): Decimal {
  const { input_tokens: input, cached_input_tokens: cached, output_tokens: output } = group.quantities;
  return input.minus(cached).times(weights.input).plus(cached.times(weights.cached)).plus(output.times(weights.output));
}

/** A group's quantity of a driver in base units, with its tier multiplier applied. */
export function driverBase(
  group: UsageGroup,
  driver: Exclude<Driver, 'charges'>,
  weights: TokenWeights,
  tierMultipliers: ReadonlyMap<string, Decimal>,
): Decimal {
  const measure = MEASURES[driver];
  const base = measure.base(group, weights);
  if (!measure.fromEvents || group.source !== 'gateway') return base;
  const multiplier = group.tier === undefined ? undefined : tierMultipliers.get(group.tier);
  return multiplier === undefined ? base : base.times(multiplier);
}

/** What base units are divided by to give the driver's value (3600 for hours, else 1). */
export function driverDivisor(driver: Driver): Decimal {
  return driver === 'charges' ? ONE : MEASURES[driver].divisor;
}

export const GPU_DRIVERS: readonly Driver[] = ['gpu_seconds', 'gpu_hours', 'gpu_busy_hours', 'gpu_mem_gib_hours', 'gpu_energy_kwh'];
export const EVENT_DRIVERS: readonly Driver[] = [
  'requests', 'input_tokens', 'output_tokens', 'cached_input_tokens', 'tokens', 'weighted_tokens',
];
export const VOLUME_DRIVERS: readonly Driver[] = [...EVENT_DRIVERS, ...GPU_DRIVERS];

export const DEFAULT_WEIGHTS: TokenWeights = { input: ONE, output: ONE, cached: ONE };

/** Empty quantities, for building groups. */
export function noQuantities(): UsageGroup['quantities'] {
  return {
    requests: ZERO,
    input_tokens: ZERO,
    output_tokens: ZERO,
    cached_input_tokens: ZERO,
    cache_write_tokens: ZERO,
    cache_write_1h_tokens: ZERO,
    reasoning_tokens: ZERO,
    web_search_calls: ZERO,
    gpu_seconds: ZERO,
    gpu_busy_seconds: ZERO,
    gpu_mem_gib_seconds: ZERO,
    gpu_energy_mj: ZERO,
  };
}
