import type { StoredPoolCost } from '../domain/run.js';

/**
 * Where a pool's `C` came from, e.g. "12 billing records, effective_cost 1234.5678 → C 1234.57",
 * then one line per part of a cost built from parts ("depreciation of …: 8000.00"), and per
 * conversion: "of which EUR 100 × 1.0832 (ECB, 2024-09-30) = 108.32".
 */
export function poolCostLines(s: StoredPoolCost): string[] {
  const overhead = s.overhead_pct === '0' ? '' : ` × (1 + ${s.overhead_pct}%)`;
  if (s.kind === 'none') return ['a price list (no cost): its total is its charges'];
  const bill = `${s.matched_records} billing record${s.matched_records === 1 ? '' : 's'}, ${s.column}`;
  const from = s.parts ? `parts ${s.base}` : s.kind === 'billing' ? `${bill} ${s.base}` : `fixed ${s.base}`;
  // A cost built from parts (issue 35): each on its line, the bill's with its records.
  const parts = (s.parts ?? []).map((p) => `${p.part === 'billing' ? bill : p.detail}: ${p.amount}`);
  const converted = (s.conversions ?? []).map((c) => `of which ${c.currency} ${c.amount} × ${c.rate} (${c.rate_source}, ${c.rate_date}) = ${c.converted}`);
  return [`${from}${overhead} → C ${s.cost}`, ...parts, ...converted, ...listAgainstInvoiceLines(s)];
}

/** A price list held to its bill: "list against invoice:", then "OpenAI: list 3.50, invoice 100.00, difference 96.50", models indented. */
function listAgainstInvoiceLines(s: StoredPoolCost): string[] {
  const rows = s.list_against_invoice ?? [];
  if (rows.length === 0) return [];
  return ['list price against the invoice:', ...rows.map((r) => `${r.model === undefined ? '  ' : '    '}${r.model ?? r.provider}: list ${r.list}, invoice ${r.invoice}, difference ${r.difference}`)];
}

/** Every pool's cost, as `compute` prints it. */
export function poolCostsAsText(sources: readonly StoredPoolCost[]): string {
  const lines = sources.flatMap((s) => poolCostLines(s).map((line, i) => (i === 0 ? `  ${s.pool}: ${line}` : `    ${line}`)));
  return `Pool costs:\n${lines.join('\n')}\n`;
}
