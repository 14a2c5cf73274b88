import type { Decimal } from '../domain/money.js';
import type { StoredPoolCost } from '../domain/run.js';
import type { StatementLine } from '../domain/types.js';

/** The lines of one statement run, with what every row repeats. */
export interface StatementView {
  /** Null for a dry run, which stores nothing. */
  runId: number | null;
  month: string;
  currency: string;
  /** The centre that takes what no centre owns: listed last. */
  unallocated: string;
  lines: readonly StatementLine[];
  /** When given, the table's footer shows Σ lines against Σ pool costs + price-list charges. */
  reconciliation?: { poolCosts: Decimal; priceListCharges: Decimal };
  /** What the run read, for audit: the rate card's SHA-256 and the ingest batches. */
  audit?: { rateCardSha256: string; batchIds: readonly number[]; createdAt: string; poolCosts: readonly StoredPoolCost[] };
}
