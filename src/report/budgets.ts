import type { BudgetReport } from '../domain/budgets.js';
import { formatAmount } from '../domain/money.js';
import { fitTable, type Cell, type Column } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface BudgetsView {
  month: string;
  currency: string;
  reports: readonly BudgetReport[];
}

/** The status second, next to the centre: however narrow the terminal, it is on screen (issue 28). */
const COLUMNS = (currency: string): Column[] => [
  { head: 'cost centre', shrink: true },
  { head: 'status' },
  { head: `budget (${currency})`, align: 'right' },
  { head: 'spent', align: 'right' },
  { head: 'used', align: 'right' },
  { head: 'forecast', align: 'right', drop: 3 },
  { head: 'forecast status', drop: 2 },
  { head: 'hard', drop: 1 },
];

const HEADER = ['cost_centre', 'budget', 'spent', 'percent_used', 'forecast', 'status', 'forecast_status', 'hard'] as const;

const record = (r: BudgetReport) => ({
  cost_centre: r.costCentre, budget: formatAmount(r.monthly), spent: formatAmount(r.spend), percent_used: r.percentUsed.toFixed(1),
  forecast: formatAmount(r.forecast), status: r.status, forecast_status: r.forecastStatus, hard: r.hard,
});

const RANK: Record<BudgetReport['status'], number> = { ok: 0, alert: 1, exceeded: 2 };
const STYLE = { ok: null, alert: 'yellow', exceeded: 'red' } as const;

/**
 * The status that needs action, whatever the width (issue 28): the worse of now and the
 * forecast, marked "(forecast)" when only the forecast is that bad, so a narrow terminal that
 * drops the forecast columns still shows it.
 */
function statusCell(r: BudgetReport): Cell {
  const forecastWorse = RANK[r.forecastStatus] > RANK[r.status];
  const worst = forecastWorse ? r.forecastStatus : r.status;
  const text = forecastWorse ? `${worst} (forecast)` : worst;
  const style = STYLE[worst];
  return style === null ? text : { text, style };
}

/** `budgets`: month-to-date spend, percent used and the month-end forecast per budget. */
export const BUDGETS_VIEW: View<BudgetsView> = {
  table: ({ month, currency, reports }, look) => `Budgets ${month}\n${fitTable({
    columns: COLUMNS(currency),
    rows: reports.map((r) => [r.costCentre, statusCell(r), formatAmount(r.monthly), formatAmount(r.spend), `${r.percentUsed.toFixed(1)}%`,
      formatAmount(r.forecast), r.forecastStatus, r.hard ? 'yes' : 'no']),
  }, look)}\n`,
  json: ({ month, currency, reports }) => asJson({ month, currency, budgets: reports.map(record) }),
  csv: ({ reports }) => asCsv(HEADER, reports.map((r) => Object.values(record(r)))),
};
