import { Decimal, formatAmount, formatQuantity, roundCents } from './money.js';
import type { LineBreakdown } from './explain.js';
import type { RunViews } from './run-views.js';
import type { Platform, PoolCostSource, Statement, StatementLine, UsageSource } from './types.js';

/**
 * A stored statement run's types (SPEC §5): what `compute` stores, `runs --verify` replays and
 * every reader of the books gets back. The ledger serialises exactly these; decimals that
 * leave the ledger as JSON are strings, never floats.
 */

/** A currency conversion as stored: the foreign sum, the rate with its day and source, the result. */
export interface StoredConversion {
  currency: string;
  amount: string;
  rate: string;
  rate_date: string;
  rate_source: string;
  converted: string;
}

/** A pool's cost source as stored in a run and shown by `compute`, `explain` and `statement --format json`. */
export interface StoredPoolCost {
  pool: string;
  kind: 'fixed' | 'billing' | 'none';
  base: string | null;
  matched_records?: number;
  column?: string;
  conversions?: StoredConversion[];
  overhead_pct: string;
  cost: string | null;
  /** A price list with a billed cost: list against invoice per provider, then per model where the bill names models. */
  list_against_invoice?: StoredListAgainstInvoice[];
  /** A cost built from parts (issue 35): each part to the cent, adding up to `base`. */
  parts?: { part: string; amount: string; detail: string }[];
}

export interface StoredListAgainstInvoice {
  provider: string;
  model?: string;
  list: string;
  invoice: string;
  /** invoice − list: what the variance line holds of it. */
  difference: string;
}

/** A group of usage no pool takes, as stored with the run (never priced at zero). */
export interface StoredUnpriced {
  source: UsageSource;
  model: string;
  identity: string;
  cost_centre: string;
  requests: string;
  input_tokens: string;
  output_tokens: string;
}

/** What a run keeps of its statement, and what `runs --verify` compares. */
export interface RunContent {
  lines: readonly StatementLine[];
  poolCosts: readonly StoredPoolCost[];
  unpriced: readonly StoredUnpriced[];
  /** What the views show besides the lines (issue 30); runs before it have none. */
  views?: RunViews;
}

/** A run as `compute` hands it to the ledger. */
export interface RunRecord extends RunContent {
  month: string;
  rateCardSha256: string;
  rateCardFile: string;
  /** The card as written: with the batches, what `runs --verify` recomputes from. */
  rateCardText: string;
  /** The text of each file the card loads (a price map), by the name the card gives it. */
  rateCardFiles: Readonly<Record<string, string>>;
  toolVersion: string;
  /** The GPU gap cap the run was computed with (SPEC §8.7). */
  maxGapMs: number;
  currency: string;
  unallocated: string;
  platform: Platform | null;
  /** Every batch the run read: gateway, billing and GPU. */
  batchIds: readonly number[];
  warnings: readonly string[];
  reconciled: boolean;
  createdAt: string;
}

/**
 * Where a run stands in its month's books (SPEC §5): the run that closed the month, a later
 * run that adjusts the books so far (the run just before it, back to the closing run), or
 * neither.
 */
export type RunStanding = { kind: 'open' } | { kind: 'closes' } | { kind: 'adjusts'; booksRunId: number; closedRunId: number };

/** A stored run as read back; runs stored before version 6 of the ledger lack their card text. */
export interface StoredRun extends Omit<RunRecord, 'rateCardText' | 'toolVersion' | 'maxGapMs'> {
  id: number;
  rateCardText: string | null;
  toolVersion: string | null;
  maxGapMs: number | null;
  standing: RunStanding;
}

/** A pool's cost source in its stored form. */
export function storedPoolCost(source: PoolCostSource): StoredPoolCost {
  const conversions = (source.conversions ?? []).map((c) => ({
    currency: c.currency, amount: formatQuantity(c.amount), rate: formatQuantity(c.rate), rate_date: c.date, rate_source: c.source, converted: formatQuantity(c.converted),
  }));
  return {
    pool: source.pool,
    kind: source.kind,
    base: source.base === null ? null : formatQuantity(source.base),
    ...(source.kind === 'billing' ? { matched_records: source.matched ?? 0, column: source.column ?? '' } : {}),
    ...(conversions.length > 0 ? { conversions } : {}),
    ...(source.parts ? { parts: source.parts.map((p) => ({ part: p.part, amount: formatAmount(p.amount), detail: p.detail })) } : {}),
    overhead_pct: source.overheadPct.toFixed(),
    cost: source.cost === null ? null : formatAmount(source.cost),
    ...(source.listAgainstInvoice ? {
      list_against_invoice: source.listAgainstInvoice.map((r) => ({
        provider: r.provider, ...(r.model === null ? {} : { model: r.model }),
        list: formatAmount(roundCents(r.list)), invoice: formatAmount(roundCents(r.invoice)), difference: formatAmount(roundCents(r.invoice.minus(r.list))),
      })),
    } : {}),
  };
}

/** What a run stores of a statement. */
export function runContentOf(statement: Statement): RunContent {
  return {
    lines: statement.lines,
    poolCosts: statement.poolCosts.map(storedPoolCost),
    unpriced: statement.unpriced.map((u) => ({
      source: u.source,
      model: u.model,
      identity: u.identity,
      cost_centre: u.costCentre,
      requests: u.quantities.requests.toFixed(),
      input_tokens: u.quantities.input_tokens.toFixed(),
      output_tokens: u.quantities.output_tokens.toFixed(),
    })),
    ...(statement.views ? { views: statement.views } : {}),
  };
}

/** A line's breakdown as a run stores it: every quantity as exact decimal text. */
export function breakdownAsText(b: LineBreakdown): string {
  const pairs = (list: readonly [string, Decimal][]) => list.map(([key, q]) => [key, q.toFixed()]);
  return JSON.stringify({
    total: b.total.toFixed(), model: pairs(b.byModel), identity: pairs(b.byIdentity), day: pairs(b.byDay),
    tags: Object.fromEntries(Object.entries(b.tags ?? {}).map(([tag, list]) => [tag, pairs(list)])),
  });
}

/** A stored breakdown read back. */
export function breakdownOfText(text: string): LineBreakdown {
  const stored = JSON.parse(text) as { total: string; model: [string, string][]; identity: [string, string][]; day: [string, string][]; tags: Record<string, [string, string][]> };
  const pairs = (list: [string, string][]): [string, Decimal][] => list.map(([key, q]) => [key, new Decimal(q)]);
  return {
    total: new Decimal(stored.total), byModel: pairs(stored.model), byIdentity: pairs(stored.identity), byDay: pairs(stored.day), byTag: [],
    tags: Object.fromEntries(Object.entries(stored.tags).map(([tag, list]) => [tag, pairs(list)])),
  };
}
