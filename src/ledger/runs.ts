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
  adjustments: { costCentre: string; amount: string }[];
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
  adjustments: string;
  reconciled: number;
  createdAt: string;
}

/** A run by id, or (without an id) the month's latest; null when there is none. */
export function findRun(db: Ledger, month: string, runId?: number): StoredRun | null {
  const row = db
    .prepare(`SELECT id, month, rate_card_sha256 AS rateCardSha256, rate_card_file AS rateCardFile, currency, unallocated, platform, adjustments,
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
    adjustments: JSON.parse(row.adjustments) as { costCentre: string; amount: string }[],
    reconciled: row.reconciled === 1,
    lines: lines.map((l) => ({ ...l, quantity: decimal(l.quantity), unitPrice: decimal(l.unitPrice), amount: new Decimal(l.amount) })),
  };
}

/** A closed month: the run it was closed on and the UTC range it covered. */
export interface ClosedMonth {
  month: string;
  runId: number;
  startMs: number;
  endMs: number;
  closedAt: string;
}

/** Closes a month on a run; a month is closed once. */
export function closeMonth(db: Ledger, closed: ClosedMonth): void {
  db.prepare('INSERT INTO closed_months (month, run_id, start_ms, end_ms, closed_at) VALUES (?, ?, ?, ?, ?)')
    .run(closed.month, closed.runId, closed.startMs, closed.endMs, closed.closedAt);
}

/** Every closed month, oldest first. */
export function closedMonths(db: Ledger): ClosedMonth[] {
  return db.prepare(`SELECT month, run_id AS runId, start_ms AS startMs, end_ms AS endMs, closed_at AS closedAt
    FROM closed_months ORDER BY month`).all() as ClosedMonth[];
}

/** Stores a recompute's adjustments against the closed run (per centre, decimal text). */
export function storeAdjustments(db: Ledger, runId: number, adjustments: readonly { costCentre: string; amount: string }[]): void {
  db.prepare('UPDATE runs SET adjustments = ? WHERE id = ? AND adjustments = \'[]\'').run(JSON.stringify(adjustments), runId);
}

/** A month's runs, newest last, with their totals, for `chargeback runs`. */
export function listRuns(db: Ledger, month: string): { id: number; createdAt: string; rateCardSha256: string; reconciled: boolean; lines: number; total: string }[] {
  const rows = db.prepare(`SELECT r.id, r.created_at AS createdAt, r.rate_card_sha256 AS rateCardSha256, r.reconciled,
      COUNT(l.seq) AS lines, GROUP_CONCAT(l.amount, ' ') AS amounts
    FROM runs r LEFT JOIN run_lines l ON l.run_id = r.id WHERE r.month = ? GROUP BY r.id ORDER BY r.id`).all(month) as
    { id: number; createdAt: string; rateCardSha256: string; reconciled: number; lines: number; amounts: string | null }[];
  return rows.map((r) => ({
    id: r.id,
    createdAt: r.createdAt,
    rateCardSha256: r.rateCardSha256,
    reconciled: r.reconciled === 1,
    lines: r.lines,
    total: (r.amounts ?? '').split(' ').filter((a) => a !== '').reduce((total, a) => total.plus(a), new Decimal(0)).toFixed(2),
  }));
}
