import { METHODS } from './methods/index.js';
import { Decimal, roundCents, sum } from './money.js';
import type { MonthRange } from './month.js';
import type { Budget, StatementLine } from './types.js';

export type BudgetStatus = 'ok' | 'alert' | 'exceeded';

export interface BudgetReport {
  costCentre: string;
  monthly: Decimal;
  spend: Decimal;
  forecast: Decimal;
  percentUsed: Decimal;
  status: BudgetStatus;
  forecastStatus: BudgetStatus;
  hard: boolean;
}

const DAY_MS = 86_400_000;

/**
 * Where each budget stands (issue 8): month-to-date spend is the centre's lines priced now;
 * the month-end forecast extrapolates the lines of price methods (which grow with usage) by
 * the daily run rate, elapsed days to days in the month, and keeps split lines (proportional,
 * hybrid, idle), which already carry a whole month's cost. `alert` from alert_pct, `exceeded`
 * above the budget. `now` is an argument: the domain has no clock.
 */
export function budgetReports(budgets: readonly Budget[], lines: readonly StatementLine[], range: MonthRange, now: number): BudgetReport[] {
  return budgets.map((budget) => {
    const mine = lines.filter((l) => l.costCentre === budget.costCentre);
    const spend = sum(mine.map((l) => l.amount));
    const forecast = forecastOf(mine, range, now);
    const percentUsed = budget.monthly.isZero() ? new Decimal(spend.isZero() ? 0 : 100) : spend.dividedBy(budget.monthly).times(100);
    return {
      costCentre: budget.costCentre,
      monthly: budget.monthly,
      spend,
      forecast,
      percentUsed: percentUsed.toDecimalPlaces(1, Decimal.ROUND_HALF_UP),
      status: status(spend, budget),
      forecastStatus: status(forecast, budget),
      hard: budget.hard,
    };
  });
}

/**
 * The month-end forecast of lines priced up to `now`: price-method lines grow by the daily run
 * rate (elapsed days to days in the month, at least an hour elapsed); split lines already
 * carry the whole month's cost and stay. Rounded to the cent.
 */
export function forecastOf(lines: readonly StatementLine[], range: MonthRange, now: number): Decimal {
  const monthDays = (range.endMs - range.startMs) / DAY_MS;
  const elapsedDays = Math.min(Math.max((now - range.startMs) / DAY_MS, 1 / 24), monthDays);
  const scale = new Decimal(monthDays).dividedBy(elapsedDays);
  const spend = sum(lines.map((l) => l.amount));
  const growing = sum(lines.filter((l) => METHODS[l.method]?.kind === 'price').map((l) => l.amount));
  return roundCents(spend.minus(growing).plus(growing.times(scale)));
}

function status(amount: Decimal, budget: Budget): BudgetStatus {
  if (amount.greaterThan(budget.monthly)) return 'exceeded';
  return amount.greaterThanOrEqualTo(budget.monthly.times(budget.alertPct).dividedBy(100)) ? 'alert' : 'ok';
}
