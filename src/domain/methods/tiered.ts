import { driverDivisor, VOLUME_DRIVERS, ZERO } from '../drivers.js';
import { checkKeys, readChoice, readMeasure, readPrice, readRecord, type Decimal, type FieldPath, type Issues } from '../fields.js';
import { Decimal as D } from '../money.js';
import { displayQuantity, priceLine } from '../price.js';
import { roundedParts, shown } from '../parts.js';
import { driverOf, type AllocationMethod } from './method.js';

interface Band {
  /** Inclusive upper bound in driver units; the last band has none. */
  upTo: Decimal | null;
  price: Decimal;
}

interface Params {
  mode: 'graduated' | 'volume';
  per: Decimal;
  bands: Band[];
}

/**
 * `tiered` on the centre's month quantity (SPEC §4.2, §8.11): `graduated` prices each band's
 * portion (band k holds (up_to_{k-1}, up_to_k]) at its price; `volume` prices all units at the
 * band the quantity falls in (`up_to` inclusive; 0 falls in the first). Prices are per `per`
 * units; the line is rounded half-up once, after summing its bands.
 */
export const tiered: AllocationMethod<Params> = {
  name: 'tiered',
  kind: 'price',
  drivers: VOLUME_DRIVERS,
  needsCost: false,
  keys: ['mode', 'per', 'tiers', 'idle'],
  parse(raw, path, issues) {
    const mode = raw.mode === undefined ? 'graduated' : readChoice(raw.mode, ['graduated', 'volume'] as const, [...path, 'mode'], issues);
    const per = raw.per === undefined ? null : readMeasure(raw.per, [...path, 'per'], issues, true);
    const bands = readBands(raw.tiers, [...path, 'tiers'], issues);
    if (!mode || (raw.per !== undefined && !per) || !bands) return null;
    return { mode, per: per ?? ONE, bands };
  },
  driversUsed: (pool) => [driverOf(pool)],
  charge({ pool, usage }, params) {
    const driver = driverOf(pool);
    const divisor = driverDivisor(driver);
    const charges = [...usage.quantities(driver)].map(([costCentre, base]) => {
      const { exact, unitPrice } = (params.mode === 'volume' ? volume : graduated)(base, divisor, params);
      const quantity = displayQuantity(base, divisor);
      const amount = priceLine(exact, params.per.times(divisor));
      const what = `${shown(quantity)} ${driver} through the ${params.mode} tiers${unitPrice ? ` (${shown(unitPrice)} per unit on average)` : ''}`;
      return { costCentre, kind: 'usage' as const, quantity, unitPrice, amount, parts: roundedParts(what, exact.dividedBy(params.per.times(divisor)), amount) };
    });
    return { charges, warnings: [] };
  },
};

const ONE = new D(1);

/** Σ over bands of (units of the quantity in the band) × price, in base units × price. */
function graduated(base: Decimal, divisor: Decimal, { bands, per }: Params) {
  let lower = ZERO;
  let exact = ZERO;
  for (const band of bands) {
    const upper = band.upTo === null ? base : D.min(base, band.upTo.times(divisor));
    if (upper.greaterThan(lower)) exact = exact.plus(upper.minus(lower).times(band.price));
    if (band.upTo === null || base.lessThanOrEqualTo(band.upTo.times(divisor))) break;
    lower = band.upTo.times(divisor);
  }
  // The average price per unit, for display only.
  const unitPrice = base.isZero() ? null : exact.dividedBy(per.times(base));
  return { exact, unitPrice };
}

/** All units at the price of the band the quantity falls in. */
function volume(base: Decimal, divisor: Decimal, { bands, per }: Params) {
  const band = bands.find((b) => b.upTo === null || base.lessThanOrEqualTo(b.upTo.times(divisor))) ?? bands[bands.length - 1];
  const price = band?.price ?? ZERO;
  return { exact: base.times(price), unitPrice: price.dividedBy(per) };
}

/** Bands must ascend strictly, and only the last may (and must) be unbounded. */
function readBands(value: unknown, path: FieldPath, issues: Issues): Band[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add(path, 'tiered needs "tiers": a list of { up_to, price } bands, the last without up_to');
    return null;
  }
  const bands: Band[] = [];
  let ok = true;
  value.forEach((item, i) => {
    const at = [...path, i];
    const raw = readRecord(item, at, issues);
    if (!raw) return void (ok = false);
    checkKeys(raw, ['up_to', 'price'], at, issues);
    const price = readPrice(raw.price, [...at, 'price'], issues);
    const upTo = raw.up_to === undefined ? null : readMeasure(raw.up_to, [...at, 'up_to'], issues, true);
    const last = i === value.length - 1;
    if (raw.up_to === undefined && !last) {
      issues.add([...at, 'up_to'], 'only the last tier may leave out "up_to"');
      ok = false;
    }
    if (raw.up_to !== undefined && last) {
      issues.add([...at, 'up_to'], 'the last tier must have no "up_to": it takes everything above the one before');
      ok = false;
    }
    const previous = bands[bands.length - 1]?.upTo;
    if (upTo && previous && !upTo.greaterThan(previous)) {
      issues.add([...at, 'up_to'], `tiers must ascend: ${upTo.toFixed()} is not above ${previous.toFixed()}`);
      ok = false;
    }
    if (!price || (raw.up_to !== undefined && !upTo)) ok = false;
    else bands.push({ upTo, price });
  });
  return ok ? bands : null;
}
