import { Decimal } from '../domain/money.js';
import type { Platform } from '../domain/types.js';
import { phrases } from './dialect.js';
import type { Ledger } from './engine.js';
import { runViewsAsText, runViewsOfText } from '../domain/run-views.js';
import { breakdownAsText, breakdownOfText, type RunRecord, type RunStanding, type StoredPoolCost, type StoredRun, type StoredUnpriced } from '../domain/run.js';

export type { RunRecord, RunStanding, StoredRun } from '../domain/run.js';

const text = (value: Decimal | null): string | null => (value === null ? null : value.toFixed());
const decimal = (value: string | null): Decimal | null => (value === null ? null : new Decimal(value));

/** Stores a run and its lines in one transaction; returns the new run id. */
export function storeRun(db: Ledger, run: RunRecord): number {
  return db.transaction(() => {
    const id = db
      .prepare(`INSERT INTO runs (month, rate_card_sha256, rate_card_file, rate_card_text, rate_card_files, tool_version, max_gap_ms, currency,
        unallocated, platform, batch_ids, unpriced, warnings, pool_costs, reconciled, created_at, views)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`).pluck()
      .get(run.month, run.rateCardSha256, run.rateCardFile, run.rateCardText,
        Object.keys(run.rateCardFiles).length === 0 ? null : JSON.stringify(run.rateCardFiles), run.toolVersion, run.maxGapMs, run.currency,
        run.unallocated, run.platform ? JSON.stringify(run.platform) : null, JSON.stringify(run.batchIds),
        JSON.stringify(run.unpriced), JSON.stringify(run.warnings), JSON.stringify(run.poolCosts), run.reconciled ? 1 : 0,
        run.createdAt, run.views ? runViewsAsText(run.views) : null) as number;
    const insertLine = db.prepare(`INSERT INTO run_lines (run_id, seq, cost_centre, cost_centre_name, pool, method,
      driver, quantity, unit_price, amount, parts, usage, breakdown) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    run.lines.forEach((l, seq) =>
      insertLine.run(id, seq, l.costCentre, l.costCentreName, l.pool, l.method, l.driver, text(l.quantity),
        text(l.unitPrice), l.amount.toFixed(), l.parts ? JSON.stringify(l.parts.map((p) => [p.what, p.amount.toFixed(), ...(p.model === undefined ? [] : [p.model])])) : null,
        l.usage ? JSON.stringify(Object.fromEntries(Object.entries(l.usage).map(([k, v]) => [k, v.toFixed()]))) : null,
        l.breakdown ? breakdownAsText(l.breakdown) : null),
    );
    return id;
  }, 'write');
}

interface RunRow {
  id: number;
  month: string;
  rateCardSha256: string;
  rateCardFile: string;
  rateCardText: string | null;
  rateCardFiles: string | null;
  toolVersion: string | null;
  maxGapMs: number | null;
  currency: string;
  unallocated: string;
  platform: string | null;
  batchIds: string;
  unpriced: string;
  warnings: string;
  poolCosts: string;
  reconciled: number;
  createdAt: string;
  views: string | null;
}

/**
 * A run by id, or (without an id) the month's books: the closed run once the month is
 * closed, else the latest run. Null when there is none.
 */
export function findRun(db: Ledger, month: string, runId?: number): StoredRun | null {
  const wanted = runId ?? closedMonth(db, month)?.runId ?? null;
  const row = db
    .prepare(`SELECT id, month, rate_card_sha256 AS "rateCardSha256", rate_card_file AS "rateCardFile", rate_card_text AS "rateCardText",
        rate_card_files AS "rateCardFiles", tool_version AS "toolVersion", max_gap_ms AS "maxGapMs", currency, unallocated, platform,
        batch_ids AS "batchIds", unpriced, warnings, pool_costs AS "poolCosts", reconciled, created_at AS "createdAt", views
      FROM runs WHERE month = ? AND (CAST(? AS BIGINT) IS NULL OR id = ?) ORDER BY id DESC LIMIT 1`)
    .get(month, wanted, wanted) as RunRow | undefined;
  if (!row) return null;
  const lines = db
    .prepare(`SELECT cost_centre AS "costCentre", cost_centre_name AS "costCentreName", pool, method, driver, quantity,
        unit_price AS "unitPrice", amount, parts, usage, breakdown FROM run_lines WHERE run_id = ? ORDER BY seq`)
    .all(row.id) as { costCentre: string; costCentreName: string; pool: string; method: string; driver: string;
      quantity: string | null; unitPrice: string | null; amount: string; parts: string | null; usage: string | null; breakdown: string | null }[];
  const { views, ...stored } = row;
  return {
    ...stored,
    platform: row.platform === null ? null : (JSON.parse(row.platform) as Platform),
    rateCardFiles: row.rateCardFiles === null ? {} : (JSON.parse(row.rateCardFiles) as Record<string, string>),
    ...(views === null ? {} : { views: runViewsOfText(views) }),
    batchIds: JSON.parse(row.batchIds) as number[],
    unpriced: JSON.parse(row.unpriced) as StoredUnpriced[],
    warnings: JSON.parse(row.warnings) as string[],
    poolCosts: JSON.parse(row.poolCosts) as StoredPoolCost[],
    reconciled: row.reconciled === 1,
    standing: standingOf(db, month, row.id),
    lines: lines.map(({ parts, usage, breakdown, ...l }) => ({
      ...l, quantity: decimal(l.quantity), unitPrice: decimal(l.unitPrice), amount: new Decimal(l.amount),
      ...(usage === null ? {} : { usage: Object.fromEntries(Object.entries(JSON.parse(usage) as Record<string, string>).map(([k, v]) => [k, new Decimal(v)])) }),
      // A price-list term keeps its model (issue 35), so views share its money by model; runs stored before have none.
      ...(parts === null ? {} : { parts: (JSON.parse(parts) as [string, string, string?][]).map(([what, amount, model]) => ({ what, amount: new Decimal(amount), ...(model === undefined ? {} : { model }) })) }),
      ...(breakdown === null ? {} : { breakdown: breakdownOfText(breakdown) }),
    })),
  };
}

/** Any month's run by its id. */
export function findRunById(db: Ledger, runId: number): StoredRun | null {
  const month = db.prepare('SELECT month FROM runs WHERE id = ?').pluck().get(runId) as string | undefined;
  return month === undefined ? null : findRun(db, month, runId);
}

/** How run `runId` of `month` stands in the month's books. */
export function standingOf(db: Ledger, month: string, runId: number): RunStanding {
  const closed = closedMonth(db, month);
  if (!closed || runId < closed.runId) return { kind: 'open' };
  if (runId === closed.runId) return { kind: 'closes' };
  const booksRunId = db.prepare('SELECT MAX(id) FROM runs WHERE month = ? AND id >= ? AND id < ?').pluck()
    .get(month, closed.runId, runId) as number;
  return { kind: 'adjusts', booksRunId, closedRunId: closed.runId };
}

/** The month's latest run, whatever its standing; undefined when it has none. */
export function latestRunId(db: Ledger, month: string): number | undefined {
  const id = db.prepare('SELECT MAX(id) FROM runs WHERE month = ?').pluck().get(month) as number | bigint | null;
  return id === null ? undefined : Number(id);
}

/** The month's latest run that adjusts its closed books, if any. */
export function latestAdjustmentRun(db: Ledger, month: string): number | null {
  const closed = closedMonth(db, month);
  if (!closed) return null;
  return (db.prepare('SELECT MAX(id) FROM runs WHERE month = ? AND id > ?').pluck().get(month, closed.runId) as number | null) ?? null;
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

const CLOSED_COLUMNS = 'month, run_id AS "runId", start_ms AS "startMs", end_ms AS "endMs", closed_at AS "closedAt"';

/** Every closed month, oldest first. */
export function closedMonths(db: Ledger): ClosedMonth[] {
  return db.prepare(`SELECT ${CLOSED_COLUMNS} FROM closed_months ORDER BY month`).all() as ClosedMonth[];
}

/** The month's close, if it is closed. */
export function closedMonth(db: Ledger, month: string): ClosedMonth | null {
  return (db.prepare(`SELECT ${CLOSED_COLUMNS} FROM closed_months WHERE month = ?`).get(month) as ClosedMonth | undefined) ?? null;
}

/** A run as `chargeback runs` lists it. */
export interface RunListing {
  id: number;
  month: string;
  createdAt: string;
  rateCardSha256: string;
  toolVersion: string | null;
  reconciled: boolean;
  lines: number;
  total: string;
  standing: RunStanding;
}

/** A month's runs (or every month's), oldest first, with their totals and standing, for `chargeback runs`. */
export function listRuns(db: Ledger, month: string | null): RunListing[] {
  const rows = db.prepare(`SELECT r.id, r.month, r.created_at AS "createdAt", r.rate_card_sha256 AS "rateCardSha256", r.tool_version AS "toolVersion",
      r.reconciled, COUNT(l.seq) AS lines, ${phrases(db).joined('l.amount')} AS amounts
    FROM runs r LEFT JOIN run_lines l ON l.run_id = r.id WHERE CAST(? AS TEXT) IS NULL OR r.month = ? GROUP BY r.id ORDER BY r.month, r.id`).all(month, month) as
    { id: number; month: string; createdAt: string; rateCardSha256: string; toolVersion: string | null; reconciled: number; lines: number; amounts: string | null }[];
  return rows.map((r) => ({
    id: r.id,
    month: r.month,
    createdAt: r.createdAt,
    rateCardSha256: r.rateCardSha256,
    toolVersion: r.toolVersion,
    reconciled: r.reconciled === 1,
    lines: r.lines,
    total: (r.amounts ?? '').split(' ').filter((a) => a !== '').reduce((total, a) => total.plus(a), new Decimal(0)).toFixed(2),
    standing: standingOf(db, r.month, r.id),
  }));
}
