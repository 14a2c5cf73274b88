import { formatAmount, formatQuantity } from '../domain/money.js';
import type { PoolCostSource } from '../domain/types.js';

/** A pool's cost source as plain JSON: decimals as strings, so it can be stored and read back. */
export function poolCostAsJson(source: PoolCostSource): Record<string, string | number | null> {
  return {
    pool: source.pool,
    kind: source.kind,
    base: source.base === null ? null : formatQuantity(source.base),
    ...(source.kind === 'billing' ? { matched_records: source.matched ?? 0, column: source.column ?? '' } : {}),
    overhead_pct: source.overheadPct.toFixed(),
    cost: source.cost === null ? null : formatAmount(source.cost),
  };
}

/** One line per pool: where `C` came from, e.g. "embeddings: 12 billing records, effective_cost 1234.5678 → C 1234.57". */
export function poolCostsAsText(sources: readonly Record<string, string | number | null>[]): string {
  const lines = sources.map((s) => {
    const overhead = s.overhead_pct === '0' ? '' : ` × (1 + ${s.overhead_pct}%)`;
    if (s.kind === 'none') return `  ${s.pool}: a price list (no cost): its total is its charges`;
    const from = s.kind === 'billing' ? `${s.matched_records} billing record${s.matched_records === 1 ? '' : 's'}, ${s.column} ${s.base}` : `fixed ${s.base}`;
    return `  ${s.pool}: ${from}${overhead} → C ${s.cost}`;
  });
  return `Pool costs:\n${lines.join('\n')}\n`;
}
