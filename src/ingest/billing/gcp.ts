import { Decimal } from '../../domain/money.js';
import { RowProblem } from '../record-reader.js';
import { cells, chargeCategory, type BillingFormat } from './format.js';
import { parseMoney } from './values.js';

const CATEGORIES = { regular: 'usage', tax: 'tax', adjustment: 'adjustment', rounding_error: 'adjustment' } as const;

const F = {
  start: ['usage_start_time'],
  end: ['usage_end_time'],
  cost: ['cost'],
  currency: ['currency'],
  service: ['service.description', 'service_description'],
  sku: ['sku.id', 'sku_id', 'sku.description', 'sku_description'],
  resource: ['resource.global_name', 'resource_global_name', 'resource.name', 'resource_name'],
  project: ['project.id', 'project_id'],
  type: ['cost_type'],
};

/**
 * Google Cloud's BigQuery billing export as CSV. Billed cost is `cost`; effective cost adds
 * the (negative) amounts in `credits`, a JSON list. Labels become tags, and the project id
 * the tag `project`. No public sample exists (see fixtures/data/SOURCES.md): this reader
 * follows the export's documented columns and is tested on a file made here.
 */
export const gcp: BillingFormat = {
  format: 'gcp',
  dateField: F.start[0]!,
  detect: (names) => names.includes('usage_start_time') && names.includes('cost') && names.includes('currency'),
  reads: () => [...Object.values(F).flat(), 'credits', 'labels'],
  toRecord(row, options) {
    const c = cells(row, options);
    const cost = c.money(F.cost, true)!;
    const project = c.text(...F.project);
    return {
      periodStartMs: c.date(F.start),
      periodEndMs: c.date(F.end),
      billedCost: cost,
      effectiveCost: cost.plus(credits(c.text('credits'))),
      listCost: null,
      currency: c.currency(F.currency, true),
      provider: 'Google Cloud',
      service: c.text(...F.service),
      ...(c.text(...F.resource) ? { resourceId: c.text(...F.resource) } : {}),
      ...(c.text(...F.sku) ? { sku: c.text(...F.sku) } : {}),
      chargeCategory: chargeCategory(CATEGORIES, c.text(...F.type) || 'regular', 'cost_type'),
      tags: { ...c.tags('labels'), ...(project ? { project } : {}) },
    };
  },
};

/** Σ of the credits' amounts, read from the JSON text itself: JSON.parse would make them floats. */
function credits(text: string): Decimal {
  if (text === '' || text === '[]') return new Decimal(0);
  if (!text.trim().startsWith('[')) throw new RowProblem('credits', 'expected a JSON list of credits');
  let total = new Decimal(0);
  for (const match of text.matchAll(/"amount"\s*:\s*"?(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)"?/g)) {
    const amount = parseMoney(match[1] ?? '');
    if (amount === null) throw new RowProblem('credits', `expected a decimal amount, got "${match[1]}"`);
    total = total.plus(amount);
  }
  return total;
}
