import type { BudgetReport } from './budgets.js';
import { Decimal, formatAmount } from './money.js';
import type { Budget } from './types.js';

/**
 * Budget alerts, once per threshold and month (issue 35). A budget's thresholds are percents
 * of it; each is crossed when spend reaches it, and the forecast going over the budget is an
 * alert of its own. What was delivered is kept in the ledger by key, so a crossing is sent
 * once however many runs or hosts see it.
 */
export type AlertKind = 'spend' | 'forecast';

export interface BudgetAlert {
  month: string;
  costCentre: string;
  kind: AlertKind;
  /** Percent of the budget: a threshold of `alert_at`, or 100 for the forecast. */
  threshold: Decimal;
}

const HUNDRED = new Decimal(100);

/** The thresholds a budget alerts at: its `alert_at`, else its alert_pct and 100. */
export function thresholdsOf(budget: Budget): Decimal[] {
  const listed = budget.alertAt ?? [budget.alertPct, HUNDRED];
  return [...new Map(listed.map((t) => [t.toFixed(), t])).values()].sort((a, b) => a.comparedTo(b));
}

/** An alert as the ledger keeps it: which month, centre, kind and threshold (as text). */
export interface AlertRow {
  month: string;
  costCentre: string;
  kind: AlertKind;
  threshold: string;
}

export const alertRow = (a: BudgetAlert): AlertRow => ({ month: a.month, costCentre: a.costCentre, kind: a.kind, threshold: a.threshold.toFixed() });

/** One alert's key: the same for an alert crossed now and the row that recorded it. */
export const rowKey = (r: AlertRow): string => `${r.month}|${r.costCentre}|${r.kind}|${r.threshold}`;
export const alertKey = (a: BudgetAlert): string => rowKey(alertRow(a));

/**
 * Every alert the budgets stand past now: each threshold spend has reached (spend × 100 ≥
 * threshold × budget, exactly, and some spend), and the forecast when it is over the budget.
 * Lowest threshold first, the forecast after a centre's thresholds.
 */
export function alertsCrossed(month: string, budgets: readonly Budget[], reports: readonly BudgetReport[]): BudgetAlert[] {
  return budgets.flatMap((budget) => {
    const report = reports.find((r) => r.costCentre === budget.costCentre);
    if (!report) return [];
    const crossed = thresholdsOf(budget)
      .filter((t) => report.spend.greaterThan(0) && report.spend.times(100).greaterThanOrEqualTo(t.times(budget.monthly)))
      .map((threshold): BudgetAlert => ({ month, costCentre: budget.costCentre, kind: 'spend', threshold }));
    const forecast: BudgetAlert[] = report.forecast.greaterThan(budget.monthly) ? [{ month, costCentre: budget.costCentre, kind: 'forecast', threshold: HUNDRED }] : [];
    return [...crossed, ...forecast];
  });
}

/** What is sent: Slack-compatible `text`, and the figures as fields a receiver can route on. */
export interface AlertMessage {
  text: string;
  kind: AlertKind;
  month: string;
  cost_centre: string;
  cost_centre_name: string;
  threshold_pct: string;
  percent_used: string;
  spent: string;
  forecast: string;
  budget: string;
  currency: string;
  hard: boolean;
  as_of: string;
}

export function alertMessage(alert: BudgetAlert, report: BudgetReport, centreName: string, currency: string, asOf: number): AlertMessage {
  const who = centreName === '' ? alert.costCentre : `${centreName} (${alert.costCentre})`;
  const figures = `${formatAmount(report.spend)} of ${formatAmount(report.monthly)} ${currency} spent, forecast ${formatAmount(report.forecast)}`;
  const text = alert.kind === 'forecast'
    ? `Budget forecast: ${who} is forecast to spend ${formatAmount(report.forecast)} ${currency} in ${alert.month}, over its budget of ${formatAmount(report.monthly)} (${formatAmount(report.spend)} spent so far)`
    : `Budget alert: ${who} has used ${report.percentUsed.toFixed(1)}% of its ${alert.month} budget, past ${alert.threshold.toFixed()}% (${figures})`;
  return {
    text,
    kind: alert.kind,
    month: alert.month,
    cost_centre: alert.costCentre,
    cost_centre_name: centreName,
    threshold_pct: alert.threshold.toFixed(),
    percent_used: report.percentUsed.toFixed(1),
    spent: formatAmount(report.spend),
    forecast: formatAmount(report.forecast),
    budget: formatAmount(report.monthly),
    currency,
    hard: report.hard,
    as_of: new Date(asOf).toISOString(),
  };
}
