import { Decimal } from '../../domain/money.js';
import { RowProblem, type RecordView } from '../record-reader.js';
import { bucketResults, tagsOf as bucketTags } from '../gateway/usage-buckets.js';
import { cells, modelOf, ownerFields, type BillingOptions } from './format.js';
import type { JsonBillingFormat } from './reader.js';

/** Unix seconds as UTC milliseconds, or a RowProblem naming the field. */
function unixSeconds(row: RecordView, field: string): number {
  const text = row.text(field);
  if (!/^\d{1,12}$/.test(text)) throw new RowProblem(field, text === '' ? 'missing' : `expected Unix seconds, got "${text}"`);
  return Number(text) * 1000;
}

/** Tags from group-by fields that hold a value, each under its own name. */
const tagsOf = (row: RecordView, names: readonly string[]) => bucketTags(Object.fromEntries(names.map((n) => [n, n])))(row);

const OPENAI_GROUP_BY = ['project_id', 'line_item', 'api_key_id'];

/**
 * The OpenAI organization Costs API (`GET /v1/organization/costs`): pages of daily buckets
 * whose results carry `amount: {value, currency}` per `line_item` and `project_id`. Billed
 * and effective cost are the amount; the line item is the service; the project and key are
 * tags. Keyed by bucket and group-by values.
 */
export const openaiCosts: JsonBillingFormat = {
  format: 'openai-costs',
  dateField: 'start_time',
  detect: (names) => (names.includes('object') && names.includes('data') && names.includes('has_more')) || (names.includes('amount') && names.includes('start_time')),
  reads: () => [],
  expand: (value) => bucketResults(value, {
    start: 'start_time', end: 'end_time', groupBy: OPENAI_GROUP_BY, flat: (v) => v.start_time !== undefined && v.results === undefined,
    other: (r) => (r.num_model_requests !== undefined ? 'this looks like a gateway log (openai-usage): use --source gateway' : null),
  }),
  toRecord(row: RecordView, options: BillingOptions) {
    const c = cells(row, options);
    const amount = c.money(['amount.value'], true)!;
    return {
      periodStartMs: unixSeconds(row, 'start_time'),
      periodEndMs: unixSeconds(row, 'end_time'),
      billedCost: amount,
      effectiveCost: amount,
      listCost: null,
      currency: c.currency(['amount.currency'], true),
      provider: 'OpenAI',
      service: c.text('line_item') || 'OpenAI API',
      chargeCategory: 'usage',
      tags: tagsOf(row, OPENAI_GROUP_BY),
      lineId: c.text('bucket_key'),
      ...ownerFields({ project: c.text('project_id') }),
      ...modelOf({ lineItem: c.text('line_item') }),
    };
  },
};

const ANTHROPIC_GROUP_BY = ['workspace_id', 'description', 'model', 'cost_type', 'token_type', 'service_tier', 'context_window', 'inference_geo'];

/**
 * The Anthropic Admin API cost report (`GET /v1/organizations/cost_report`): daily buckets
 * (`starting_at`, `ending_at`) of results whose `amount` is a decimal string in the
 * currency's lowest unit ("123.45" USD is $1.2345), divided by 100 here, exactly. The
 * description (or cost type) is the service; workspace, model, cost and token type are tags.
 */
export const anthropicCosts: JsonBillingFormat = {
  format: 'anthropic-costs',
  dateField: 'starting_at',
  detect: (names) => (names.includes('data') && names.includes('has_more') && !names.includes('object')) || (names.includes('amount') && names.includes('starting_at')),
  reads: () => [],
  expand: (value) => bucketResults(value, {
    start: 'starting_at', end: 'ending_at', groupBy: ANTHROPIC_GROUP_BY, flat: (v) => v.starting_at !== undefined && v.results === undefined,
    other: (r) => (r.uncached_input_tokens !== undefined ? 'this looks like a gateway log (anthropic-usage): use --source gateway' : null),
  }),
  toRecord(row: RecordView, options: BillingOptions) {
    const c = cells(row, options);
    const amount = c.money(['amount'], true)!.dividedBy(new Decimal(100));
    return {
      periodStartMs: c.date(['starting_at']),
      periodEndMs: c.date(['ending_at']),
      billedCost: amount,
      effectiveCost: amount,
      listCost: null,
      currency: c.currency(['currency'], true),
      provider: 'Anthropic',
      service: c.text('description') || c.text('cost_type') || 'Anthropic API',
      chargeCategory: 'usage',
      tags: tagsOf(row, ANTHROPIC_GROUP_BY.filter((n) => n !== 'description')),
      lineId: c.text('bucket_key'),
      // A workspace is the project of Anthropic's console.
      ...ownerFields({ project: c.text('workspace_id') }),
      ...modelOf({ model: c.text('model') }),
    };
  },
};
