import type { UnitCost } from '../domain/attribution.js';
import { formatAmount, formatQuantity } from '../domain/money.js';
import { grouped, printable } from './cells.js';
import { fitTable } from './table.js';
import { asCsv, asJson, type View } from './view.js';

/** Unit economics by a tag's values (`explain --by tag.NAME`): cost per request and per 1M tokens. */
export interface UnitCostsView {
  month: string;
  runId: number;
  currency: string;
  /** The tag, e.g. "feature". */
  tag: string;
  /** The centre explained, or null for every centre. */
  costCentre: string | null;
  rows: readonly UnitCost[];
  /** What no tag value carries: hybrid shares, GPU hours, idle, flat charges. */
  unattributed: string;
}

const HEADER = ['key', 'requests', 'tokens', 'cost', 'cost_per_request', 'cost_per_million_tokens'] as const;
const record = (u: UnitCost) => ({
  key: u.key, requests: formatQuantity(u.requests), tokens: formatQuantity(u.tokens), cost: formatAmount(u.cost),
  cost_per_request: u.perRequest?.toFixed(6) ?? null, cost_per_million_tokens: u.perMillionTokens?.toFixed(4) ?? null,
});

export const UNIT_COSTS_VIEW: View<UnitCostsView> = {
  table: (v, look) => `Cost per request by ${printable(v.tag)} — ${v.month}, run ${v.runId}${v.costCentre ? `, ${printable(v.costCentre)}` : ''} (${v.currency})\n${fitTable({
    columns: [{ head: v.tag, shrink: true }, { head: 'requests', align: 'right', drop: 2 }, { head: 'tokens', align: 'right', drop: 1 }, { head: 'cost', align: 'right' },
      { head: 'per request', align: 'right' }, { head: 'per 1M tokens', align: 'right', drop: 3 }],
    rows: v.rows.map((u) => [printable(u.key), grouped(formatQuantity(u.requests)), grouped(formatQuantity(u.tokens)), grouped(formatAmount(u.cost)),
      u.perRequest?.toFixed(6) ?? '—', u.perMillionTokens ? grouped(u.perMillionTokens.toFixed(4)) : '—']),
  }, look)}\nnot attributable by ${printable(v.tag)} (hybrid shares, GPU hours, idle, flat charges): ${grouped(v.unattributed)}\n`,
  json: (v) => asJson({ month: v.month, run: v.runId, currency: v.currency, tag: v.tag, cost_centre: v.costCentre, rows: v.rows.map(record), unattributed: v.unattributed }),
  csv: (v) => asCsv(HEADER, v.rows.map((u) => Object.values(record(u)))),
};
