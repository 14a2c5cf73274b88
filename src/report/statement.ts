import { formatAmount, sum } from '../domain/money.js';
import { statementAsTable } from './showback.js';
import type { StatementView } from './statement-view.js';

export type { StatementView };
import { asJson, type View } from './view.js';
import type { StatementLine } from '../domain/types.js';
import { optionalQuantity } from './cells.js';
import { safeText, toCsv } from '../csv-text.js';


export const STATEMENT_COLUMNS = [
  'month', 'cost_centre', 'cost_centre_name', 'pool', 'method', 'driver', 'quantity', 'unit_price', 'amount', 'currency',
] as const;

function statementRow(view: StatementView, line: StatementLine): string[] {
  return [
    safeText(view.month),
    safeText(line.costCentre),
    safeText(line.costCentreName),
    safeText(line.pool),
    safeText(line.method),
    safeText(line.driver),
    optionalQuantity(line.quantity),
    optionalQuantity(line.unitPrice),
    formatAmount(line.amount),
    safeText(view.currency),
  ];
}

/** SPEC §6: the header, then one row per line in statement order (cost centre, then pool). */
export function statementAsCsv(view: StatementView): string {
  return toCsv([[...STATEMENT_COLUMNS], ...view.lines.map((line) => statementRow(view, line))]);
}

/** The same lines as a JSON document: decimals as strings so no reader turns money into floats. */
export function statementDocument(view: StatementView): Record<string, unknown> {
  const lines = view.lines.map((line) => ({
    cost_centre: line.costCentre,
    cost_centre_name: line.costCentreName,
    pool: line.pool,
    method: line.method,
    driver: line.driver,
    quantity: line.quantity === null ? null : optionalQuantity(line.quantity),
    unit_price: line.unitPrice === null ? null : optionalQuantity(line.unitPrice),
    amount: formatAmount(line.amount),
  }));
  const total = formatAmount(sum(view.lines.map((l) => l.amount)));
  const audit = view.audit
    ? { rate_card_sha256: view.audit.rateCardSha256, batch_ids: view.audit.batchIds, created_at: view.audit.createdAt, pool_costs: view.audit.poolCosts }
    : {};
  return { run: view.runId, month: view.month, currency: view.currency, ...audit, total, lines };
}

export const statementAsJson = (view: StatementView): string => asJson(statementDocument(view));

/**
 * The usage behind each line, by token class, in the x_-prefixed columns FOCUS leaves to
 * providers (issue 29): a FinOps tool keeps the tokens. Blank where a line has none (idle and
 * credit lines, GPU pools, runs made before lines kept their usage).
 */
const USAGE_COLUMNS = [
  ['x_Requests', 'requests'], ['x_InputTokens', 'input_tokens'], ['x_CachedInputTokens', 'cached_input_tokens'],
  ['x_CacheWriteTokens', 'cache_write_tokens'], ['x_CacheWrite1hTokens', 'cache_write_1h_tokens'], ['x_OutputTokens', 'output_tokens'],
  ['x_ReasoningTokens', 'reasoning_tokens'], ['x_WebSearchCalls', 'web_search_calls'],
] as const;

/**
 * The lines as FOCUS 1.3 rows with the allocation columns (SPEC §6): `AllocatedMethodId` the
 * method, `AllocatedMethodDetails` the driver and quantity as JSON, `AllocatedTags` the cost
 * centre, so FinOps tools can read our split.
 */
export function statementAsFocus(view: StatementView): string {
  const month = view.month;
  const [year, m] = month.split('-').map(Number) as [number, number];
  const start = `${month}-01T00:00:00Z`;
  const end = new Date(Date.UTC(year, m, 1)).toISOString().replace('.000Z', 'Z');
  const header = ['BilledCost', 'EffectiveCost', 'BillingCurrency', 'BillingPeriodStart', 'BillingPeriodEnd', 'ChargePeriodStart',
    'ChargePeriodEnd', 'ChargeCategory', 'ChargeDescription', 'ServiceName', 'SubAccountId', 'SubAccountName',
    'AllocatedMethodId', 'AllocatedMethodDetails', 'AllocatedResourceId', 'AllocatedTags', ...USAGE_COLUMNS.map(([name]) => name)];
  const rows = view.lines.map((line) => [
    formatAmount(line.amount), formatAmount(line.amount), safeText(view.currency), start, end, start, end, 'Usage',
    safeText(`chargeback ${line.pool} (${line.method}) for ${line.costCentre}`), safeText(line.pool), safeText(line.costCentre),
    safeText(line.costCentreName), safeText(line.method),
    JSON.stringify({ driver: line.driver, quantity: line.quantity === null ? null : optionalQuantity(line.quantity), run: view.runId }),
    safeText(line.pool), JSON.stringify({ cost_centre: line.costCentre }),
    ...USAGE_COLUMNS.map(([, key]) => (line.usage ? line.usage[key]?.toFixed() ?? '0' : '')),
  ]);
  return toCsv([header, ...rows]);
}

/** `statement`'s formats: the table for people, CSV and JSON for programs, FOCUS for FinOps tools. */
export const STATEMENT_VIEW: View<StatementView> = {
  table: statementAsTable,
  csv: statementAsCsv,
  json: statementAsJson,
  focus: statementAsFocus,
};
