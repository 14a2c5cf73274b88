import { Decimal } from '../domain/money.js';
import type { Platform, StatementLine } from '../domain/types.js';
import type { Ledger } from './open.js';

/** A stored statement run (SPEC §5). Amounts are stored as decimal text, never floats. */
export interface RunRecord {
  month: string;
  rateCardSha256: string;
  rateCardFile: string;
  currency: string;
  unallocated: string;
  platform: Platform | null;
  batchIds: readonly number[];
  /** Unpriced usage as plain JSON-able rows, kept with the run for audit. */
  unpriced: readonly Record<string, string>[];
  warnings: readonly string[];
  /** Each pool's cost and where it came from, as plain JSON (decimals as strings). */
  poolCosts: readonly Record<string, string | number | null>[];
  reconciled: boolean;
  createdAt: string;
  lines: readonly StatementLine[];
}

export interface StoredRun extends RunRecord {
  id: number;
}

const text = (value: Decimal | null): string | null => (value === null ? null : value.toFixed());
const decimal = (value: string | null): Decimal | null => (value === null ? null : new Decimal(value));

/** Stores a run and its lines in one transaction; returns the new run id. */
export function storeRun(db: Ledger, run: RunRecord): number {
  return db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare(`INSERT INTO runs (month, rate_card_sha256, rate_card_file, currency, unallocated, platform, batch_ids,
        unpriced, warnings, pool_costs, reconciled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(run.month, run.rateCardSha256, run.rateCardFile, run.currency, run.unallocated,
        run.platform ? JSON.stringify(run.platform) : null, JSON.stringify(run.batchIds),
        JSON.stringify(run.unpriced), JSON.stringify(run.warnings), JSON.stringify(run.poolCosts), run.reconciled ? 1 : 0,
        run.createdAt);
    const id = Number(lastInsertRowid);
    const insertLine = db.prepare(`INSERT INTO run_lines (run_id, seq, cost_centre, cost_centre_name, pool, method,
      driver, quantity, unit_price, amount) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    run.lines.forEach((l, seq) =>
      insertLine.run(id, seq, l.costCentre, l.costCentreName, l.pool, l.method, l.driver, text(l.quantity),
        text(l.unitPrice), l.amount.toFixed()),
    );
    return id;
  }).immediate();
}

interface RunRow {
  id: number;
  month: string;
  rateCardSha256: string;
  rateCardFile: string;
  currency: string;
  unallocated: string;
  platform: string | null;
  batchIds: string;
  unpriced: string;
  warnings: string;
  poolCosts: string;
  reconciled: number;
  createdAt: string;
}

/** A run by id, or (without an id) the month's latest; null when there is none. */
export function findRun(db: Ledger, month: string, runId?: number): StoredRun | null {
  const row = db
    .prepare(`SELECT id, month, rate_card_sha256 AS rateCardSha256, rate_card_file AS rateCardFile, currency, unallocated, platform,
        batch_ids AS batchIds, unpriced, warnings, pool_costs AS poolCosts, reconciled, created_at AS createdAt
      FROM runs WHERE month = ? AND (? IS NULL OR id = ?) ORDER BY id DESC LIMIT 1`)
    .get(month, runId ?? null, runId ?? null) as RunRow | undefined;
  if (!row) return null;
  const lines = db
    .prepare(`SELECT cost_centre AS costCentre, cost_centre_name AS costCentreName, pool, method, driver, quantity,
        unit_price AS unitPrice, amount FROM run_lines WHERE run_id = ? ORDER BY seq`)
    .all(row.id) as { costCentre: string; costCentreName: string; pool: string; method: string; driver: string;
      quantity: string | null; unitPrice: string | null; amount: string }[];
  return {
    ...row,
    platform: row.platform === null ? null : (JSON.parse(row.platform) as Platform),
    batchIds: JSON.parse(row.batchIds) as number[],
    unpriced: JSON.parse(row.unpriced) as Record<string, string>[],
    warnings: JSON.parse(row.warnings) as string[],
    poolCosts: JSON.parse(row.poolCosts) as Record<string, string | number | null>[],
    reconciled: row.reconciled === 1,
    lines: lines.map((l) => ({ ...l, quantity: decimal(l.quantity), unitPrice: decimal(l.unitPrice), amount: new Decimal(l.amount) })),
  };
}
