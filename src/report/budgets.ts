import type { BudgetReport } from '../domain/budgets.js';
import { formatAmount } from '../domain/money.js';
import { fitTable, type Column } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface BudgetsView {
  month: string;
  currency: string;
  reports: readonly BudgetReport[];
}

const COLUMNS = (currency: string): Column[] => [
  { head: 'cost centre', shrink: true },
  { head: `budget (${currency})`, align: 'right' },
  { head: 'spent', align: 'right' },
  { head: 'used', align: 'right' },
  { head: 'forecast', align: 'right', drop: 3 },
  { head: 'status' },
  { head: 'forecast status', drop: 2 },
  { head: 'hard', drop: 1 },
];

const HEADER = ['cost_centre', 'budget', 'spent', 'percent_used', 'forecast', 'status', 'forecast_status', 'hard'] as const;

const record = (r: BudgetReport) => ({
  cost_centre: r.costCentre, budget: formatAmount(r.monthly), spent: formatAmount(r.spend), percent_used: r.percentUsed.toFixed(1),
  forecast: formatAmount(r.forecast), status: r.status, forecast_status: r.forecastStatus, hard: r.hard,
});

/** `budgets`: month-to-date spend, percent used and the month-end forecast per budget. */
export const BUDGETS_VIEW: View<BudgetsView> = {
  table: ({ month, currency, reports }, look) => `Budgets ${month}\n${fitTable({
    columns: COLUMNS(currency),
    rows: reports.map((r) => [r.costCentre, formatAmount(r.monthly), formatAmount(r.spend), `${r.percentUsed.toFixed(1)}%`, formatAmount(r.forecast),
      r.status === 'exceeded' ? { text: r.status, style: 'red' } : r.status, r.forecastStatus, r.hard ? 'yes' : 'no']),
  }, look)}\n`,
  json: ({ month, currency, reports }) => asJson({ month, currency, budgets: reports.map(record) }),
  csv: ({ reports }) => asCsv(HEADER, reports.map((r) => Object.values(record(r)))),
};
