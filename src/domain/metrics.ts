import { attribute } from './attribution.js';
import type { BudgetReport } from './budgets.js';
import { Decimal } from './money.js';
import { compareIds } from './order.js';
import type { RunViews } from './run-views.js';
import type { StatementLine } from './types.js';

/**
 * Month-to-date figures as Prometheus metric families (issue 35). Every amount is the exact
 * decimal the statement and `budgets` hold, written as plain decimal text: Prometheus parses
 * it into a float, but what it was given is the books' figure.
 */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'gauge';
  samples: MetricSample[];
}

export interface MetricSample {
  labels: Readonly<Record<string, string>>;
  value: string;
}

/** The money a statement line no model explains (GPU hours, fixed shares, idle, bills). */
export const NOT_BY_MODEL = '(not by model)';

export interface MetricsInput {
  month: string;
  currency: string;
  /** The month so far, priced with the card, each usage line with what lies behind it. */
  lines: readonly StatementLine[];
  views?: Pick<RunViews, 'counts'>;
  budgets: readonly BudgetReport[];
  /** The latest finished ingest of each source, as UTC milliseconds. */
  lastIngests: ReadonlyMap<string, number>;
  asOf: number;
}

const seconds = (ms: number): string => new Decimal(ms).dividedBy(1000).toFixed();

/**
 * The families, in a fixed order, each family's series sorted. A month-to-date total can
 * fall (a credit, a pool's share moving to another centre as its usage grows), so every
 * family is a gauge, whatever its name says; `chargeback_spend_total` keeps the name cards
 * and dashboards were promised.
 */
export function monthToDateMetrics(input: MetricsInput): MetricFamily[] {
  const { month, currency } = input;
  const family = (name: string, help: string, samples: MetricSample[]): MetricFamily => ({ name, help, type: 'gauge', samples });
  const money = (d: Decimal) => d.toFixed(2);
  return [
    family('chargeback_spend_total', 'Month-to-date spend per cost centre and pool, priced with the rate card as budgets prices it.',
      spendByCentreAndPool(input.lines).map(([line, amount]) => ({
        labels: { month, cost_centre: line.costCentre, cost_centre_name: line.costCentreName, pool: line.pool, currency }, value: money(amount) }))),
    family('chargeback_model_spend_total', `Month-to-date spend per model: each usage line shared by its models' usage, a price list's by each model's terms; "${NOT_BY_MODEL}" is the rest.`,
      spendByModel(input.lines).map(([model, amount]) => ({ labels: { month, model, currency }, value: money(amount) }))),
    family('chargeback_tokens_total', 'Month-to-date gateway tokens (input + output) of ok requests per cost centre and model.',
      countRows(input.views, 'tokens').map(([centre, model, n]) => ({ labels: { month, cost_centre: centre, model }, value: n.toFixed() }))),
    family('chargeback_requests_total', 'Month-to-date ok gateway requests per cost centre and model.',
      countRows(input.views, 'requests').map(([centre, model, n]) => ({ labels: { month, cost_centre: centre, model }, value: n.toFixed() }))),
    family('chargeback_budget_limit', "The card's monthly budget per cost centre.",
      input.budgets.map((b) => ({ labels: { month, cost_centre: b.costCentre, currency }, value: money(b.monthly) }))),
    family('chargeback_budget_spent', 'Month-to-date spend against each budget.',
      input.budgets.map((b) => ({ labels: { month, cost_centre: b.costCentre, currency }, value: money(b.spend) }))),
    family('chargeback_budget_used_ratio', 'Spend over budget, as budgets rounds its percent used (0.823 is 82.3%).',
      input.budgets.map((b) => ({ labels: { month, cost_centre: b.costCentre }, value: b.percentUsed.dividedBy(100).toFixed() }))),
    family('chargeback_budget_forecast', 'Month-end forecast against each budget: usage-priced lines at the run rate so far, split lines as they stand.',
      input.budgets.map((b) => ({ labels: { month, cost_centre: b.costCentre, currency }, value: money(b.forecast) }))),
    family('chargeback_last_ingest_timestamp_seconds', 'When the latest ingest of each source finished, in Unix seconds.',
      [...input.lastIngests].sort(([a], [b]) => compareIds(a, b)).map(([source, ms]) => ({ labels: { source }, value: seconds(ms) }))),
    family('chargeback_as_of_timestamp_seconds', 'The instant these figures count usage up to, in Unix seconds.',
      [{ labels: { month }, value: seconds(input.asOf) }]),
  ];
}

/** Σ amount per (centre, pool), in statement order. */
function spendByCentreAndPool(lines: readonly StatementLine[]): [StatementLine, Decimal][] {
  const sums = new Map<string, [StatementLine, Decimal]>();
  for (const line of lines) {
    const key = JSON.stringify([line.costCentre, line.pool]);
    const so = sums.get(key);
    sums.set(key, so ? [so[0], so[1].plus(line.amount)] : [line, line.amount]);
  }
  return [...sums.values()].sort(([a], [b]) => compareIds(a.costCentre, b.costCentre) || compareIds(a.pool, b.pool));
}

/**
 * Each usage line's amount over its models to the cent, the rest unattributed: by the usage
 * behind it (as the report attributes it), or for a price list by what each model's terms
 * came to.
 */
function spendByModel(lines: readonly StatementLine[]): [string, Decimal][] {
  const { byKey, unattributed } = attribute(lines, (line) => line.breakdown ?? null, 'byModel');
  const rows = [...byKey].sort(([a], [b]) => compareIds(a, b));
  return unattributed.isZero() ? rows : [...rows, [NOT_BY_MODEL, unattributed]];
}

/** Per centre and model, its ok requests or tokens, in order. */
function countRows(views: Pick<RunViews, 'counts'> | undefined, what: 'tokens' | 'requests'): [string, string, Decimal][] {
  const rows: [string, string, Decimal][] = [];
  for (const [centre, counts] of views?.counts ?? []) for (const [model, count] of counts.byModel) rows.push([centre, model, count[what]]);
  return rows.sort(([c1, m1], [c2, m2]) => compareIds(c1, c2) || compareIds(m1, m2));
}
