import { UsageError } from '../domain/errors.js';
import type { Month, MonthRange } from '../domain/month.js';
import type { StoredRun } from '../domain/run.js';
import { monthsEndingAt, type TrendInput } from '../domain/trend.js';
import type { RateCard } from '../domain/types.js';
import type { Ledger } from '../ledger/open.js';
import { findRun, latestRunId, listRuns } from '../ledger/runs.js';
import { cardOfRun } from './context.js';
import { storedCentresUsage } from './month-inputs.js';

/** The longest trend a report draws: a year and then some, and never a scan of the whole ledger. */
export const MAX_TREND_MONTHS = 36;

/** `--months N` as a count of months, or a UsageError. */
export function trendMonths(text: string): number {
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_TREND_MONTHS) throw new UsageError(`--months: expected a whole number of months from 1 to ${MAX_TREND_MONTHS}, got "${text}"`);
  return count;
}

/**
 * The `count` months of books ending at the report's month (issue 33): that month is the
 * report's own run; each earlier month is its latest run (the closed books as adjusted, or
 * the open month's latest), read as stored, never from its events. A month whose card is
 * no longer at hand still gives its totals; its budgets and unit costs are then unknown.
 */
export function booksOfMonths(ledger: Ledger, shown: { run: StoredRun; card: RateCard; month: Month }, count: number, only: string | null, tagName: string | null): TrendInput[] {
  return monthsEndingAt(shown.month, count).map((label) => {
    const run = label === shown.month.label ? shown.run : findRun(ledger, label, latestRunId(ledger, label) ?? -1);
    if (run === null) return { month: label, run: null, budgets: [], usage: null, tagName: null };
    const card = run === shown.run ? shown.card : cardOrNull(run);
    const centres = [...new Set(run.lines.map((l) => l.costCentre))].filter((c) => only === null || c === only);
    // A run that stored no breakdown by the tag still has its unit costs by model.
    const byTag = card === null ? null : storedCentresUsage(run, card, centres, tagName);
    const usage = byTag ?? (card === null || tagName === null ? null : storedCentresUsage(run, card, centres, null));
    return { month: label, run, budgets: card?.budgets ?? [], usage, tagName: byTag === null ? null : tagName };
  });
}

/**
 * The run of `run`'s month made nearest its middle while the month was still running, other
 * than `run`: the forecast the variances hold the month to. Null when there is none.
 */
export function midMonthRun(ledger: Ledger, run: StoredRun, range: MonthRange): StoredRun | null {
  const middle = (range.startMs + range.endMs) / 2;
  const during = listRuns(ledger, run.month).filter((r) => r.id !== run.id && Date.parse(r.createdAt) >= range.startMs && Date.parse(r.createdAt) < range.endMs);
  const nearest = during.sort((a, b) => Math.abs(Date.parse(a.createdAt) - middle) - Math.abs(Date.parse(b.createdAt) - middle) || a.id - b.id)[0];
  return nearest === undefined ? null : findRun(ledger, run.month, nearest.id);
}

function cardOrNull(run: StoredRun): RateCard | null {
  try {
    return cardOfRun(run);
  } catch (error) {
    if (error instanceof UsageError) return null;
    throw error;
  }
}
