import { formatAmount, formatQuantity } from '../domain/money.js';
import type { PoolCostSource } from '../domain/types.js';

/** A conversion as stored in a run: the foreign sum, the rate with its day and source, the result. */
export interface ConversionJson {
  currency: string;
  amount: string;
  rate: string;
  rate_date: string;
  rate_source: string;
  converted: string;
}

/** A pool's cost source as stored in a run and shown by `compute` and `explain`. */
export interface PoolCostJson {
  pool: string;
  kind: string;
  base: string | null;
  matched_records?: number;
  column?: string;
  conversions?: ConversionJson[];
  overhead_pct: string;
  cost: string | null;
}

/** A pool's cost source as plain JSON: decimals as strings, so it can be stored and read back. */
export function poolCostAsJson(source: PoolCostSource): PoolCostJson {
  const conversions = (source.conversions ?? []).map((c) => ({
    currency: c.currency, amount: formatQuantity(c.amount), rate: formatQuantity(c.rate), rate_date: c.date, rate_source: c.source, converted: formatQuantity(c.converted),
  }));
  return {
    pool: source.pool,
    kind: source.kind,
    base: source.base === null ? null : formatQuantity(source.base),
    ...(source.kind === 'billing' ? { matched_records: source.matched ?? 0, column: source.column ?? '' } : {}),
    ...(conversions.length > 0 ? { conversions } : {}),
    overhead_pct: source.overheadPct.toFixed(),
    cost: source.cost === null ? null : formatAmount(source.cost),
  };
}

/**
 * Where a pool's `C` came from, e.g. "12 billing records, effective_cost 1234.5678 → C 1234.57",
 * then one line per conversion: "of which EUR 100 × 1.0832 (ECB, 2024-09-30) = 108.32".
 */
export function poolCostLines(s: PoolCostJson): string[] {
  const overhead = s.overhead_pct === '0' ? '' : ` × (1 + ${s.overhead_pct}%)`;
  if (s.kind === 'none') return ['a price list (no cost): its total is its charges'];
  const from = s.kind === 'billing' ? `${s.matched_records} billing record${s.matched_records === 1 ? '' : 's'}, ${s.column} ${s.base}` : `fixed ${s.base}`;
  const converted = (s.conversions ?? []).map((c) => `of which ${c.currency} ${c.amount} × ${c.rate} (${c.rate_source}, ${c.rate_date}) = ${c.converted}`);
  return [`${from}${overhead} → C ${s.cost}`, ...converted];
}

/** Every pool's cost, as `compute` prints it. */
export function poolCostsAsText(sources: readonly PoolCostJson[]): string {
  const lines = sources.flatMap((s) => poolCostLines(s).map((line, i) => (i === 0 ? `  ${s.pool}: ${line}` : `    ${line}`)));
  return `Pool costs:\n${lines.join('\n')}\n`;
}
