import { Decimal } from '../../domain/money.js';
import { RowProblem } from '../record-reader.js';
import { ownerFields, billingPeriod, cells, chargeCategory, type BillingFormat } from './format.js';
import { parseMoney, pythonLiteralAsJson } from './values.js';

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
  invoiceMonth: ['invoice.month', 'invoice_month'],
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
      ...invoicePeriod(c.text(...F.invoiceMonth)),
      ...ownerFields({ project }),
    };
  },
};

/**
 * Σ of the credits' amounts, read from the text itself (JSON.parse would make them floats), as
 * JSON or as the Python literal pandas writes. Every credit must show its amount: a list whose
 * amounts cannot all be read is a reject, never a silent zero (issue 15).
 */
function credits(raw: string): Decimal {
  if (raw === '' || raw === '[]') return new Decimal(0);
  const text = !raw.trim().startsWith('[') ? null : isJson(raw) ? raw : pythonLiteralAsJson(raw.trim());
  if (text === null) throw new RowProblem('credits', `expected a list of credits (JSON or a Python literal), got "${raw.slice(0, 60)}"`);
  const named = [...text.matchAll(/"amount"\s*:/g)].length;
  const entries = [...text.matchAll(/\{/g)].length;
  let total = new Decimal(0);
  let read = 0;
  for (const match of text.matchAll(/"amount"\s*:\s*"?(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)"?/g)) {
    const amount = parseMoney(match[1] ?? '');
    if (amount === null) throw new RowProblem('credits', `expected a decimal amount, got "${match[1]}"`);
    total = total.plus(amount);
    read++;
  }
  if (read !== named || read !== entries) throw new RowProblem('credits', `expected an amount in each of the ${entries} credits, read ${read}`);
  return total;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** `invoice.month` (`YYYYMM`) as the billing period: the invoice's calendar month in UTC. */
function invoicePeriod(text: string): { billingPeriodStartMs?: number; billingPeriodEndMs?: number } {
  if (text === '') return {};
  const m = /^(\d{4})(\d{2})$/.exec(text);
  const month = m ? Number(m[2]) : 0;
  if (!m || month < 1 || month > 12) throw new RowProblem(F.invoiceMonth[0]!, `expected YYYYMM, got "${text}"`);
  return billingPeriod(Date.UTC(Number(m[1]), month - 1, 1), Date.UTC(Number(m[1]), month, 1));
}
