/*
 * A month so far, priced as `budgets` prices it (issue 35): budgets, budgets --notify and
 * metrics read it here, so the figures each shows for one instant are the same.
 */
import { UsageError } from '../domain/errors.js';
import { periodOf, type Month, type MonthRange, type Period } from '../domain/month.js';
import type { RateCard, Statement } from '../domain/types.js';
import { parseTimestamp } from '../ingest/values.js';
import { inSnapshot, type Ledger } from '../ledger/open.js';
import { closedMonth, findRun } from '../ledger/runs.js';
import { booksSource } from './books-source.js';
import { anomaliesOf, priceMonth, readMonthUsage } from './month-inputs.js';

export interface MonthToDate {
  period: Period;
  /** The instant usage is counted before and the forecast made from. */
  asOf: number;
  statement: Statement;
  anomalies: string[];
  /** What later data a closed month's books do not hold, or null. */
  note: string | null;
}

/**
 * The month priced with the card up to `asOf`. A closed month is judged on its books: the
 * batches its closed run read (issue 28). `withBreakdowns` keeps what lies behind each line
 * (by model) and the centres' counts, as a run stores them. The live ledger stays open.
 */
export function monthToDate(ledger: Ledger, card: RateCard, month: Month, asOf: number, maxGapMs: number, withBreakdowns = false): MonthToDate {
  const period = periodOf(month, card.timezone);
  const closed = closedMonth(ledger, month.label);
  const books = closed ? booksSource(ledger, findRun(ledger, month.label, closed.runId)!, period) : { ledger, note: null, done: () => undefined };
  try {
    return inSnapshot(books.ledger, () => {
      const usage = readMonthUsage(books.ledger, card, { startMs: period.range.startMs, endMs: asOf });
      const statement = priceMonth(books.ledger, card, period, usage, maxGapMs, { withBreakdowns });
      return { period, asOf, statement, anomalies: anomaliesOf(card, month.label, usage, statement), note: books.note };
    });
  } finally {
    books.done();
  }
}

/**
 * The instant budgets are judged at: --as-of (a date is its midnight in the card's zone), or
 * now, which for a month already over is its end. Outside the month it is a UsageError: spend
 * "as of" a time the month does not contain has no meaning.
 */
export function requireAsOf(text: string | undefined, now: number, month: string, range: MonthRange, zone: string): number {
  const asOf = text === undefined ? Math.min(now, range.endMs) : parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text, zone);
  if (asOf === null) throw new UsageError(`--as-of: expected a date or a time such as 2026-10-15 or 2026-10-15T12:00:00Z, got "${text}"`);
  if (asOf <= range.startMs || asOf > range.endMs) {
    const span = `${new Date(range.startMs).toISOString()} to ${new Date(range.endMs).toISOString()}`;
    throw new UsageError(`${text === undefined ? `now (${new Date(now).toISOString()})` : `--as-of ${text}`} is not within ${month} (${span}, the card's zone ${zone}): ` +
      'budgets are judged after the month starts and by its end');
  }
  return asOf;
}
