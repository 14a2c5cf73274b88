import { Decimal } from '../../domain/money.js';
import { newTags } from '../../domain/tags.js';
import { RowProblem, type RecordView } from '../record-reader.js';
import { ownerFields, billingPeriod, cells, chargeCategory, type BillingFormat } from './format.js';

/** CUR line item types → SPEC §3.2 categories. */
const CATEGORIES = {
  usage: 'usage', discountedusage: 'usage', savingsplancoveredusage: 'usage',
  tax: 'tax',
  credit: 'credit', refund: 'credit', discount: 'credit', bundleddiscount: 'credit', edpdiscount: 'credit',
  privateratediscount: 'credit', savingsplannegation: 'credit',
  fee: 'purchase', rifee: 'purchase', savingsplanrecurringfee: 'purchase', savingsplanupfrontfee: 'purchase',
} as const;

/** Each field in the legacy (`lineItem/UnblendedCost`) and the CUR 2.0 (`line_item_unblended_cost`) spelling. */
const F = {
  id: ['identity/lineitemid', 'identity_line_item_id'],
  start: ['lineitem/usagestartdate', 'line_item_usage_start_date'],
  end: ['lineitem/usageenddate', 'line_item_usage_end_date'],
  unblended: ['lineitem/unblendedcost', 'line_item_unblended_cost'],
  net: ['lineitem/netunblendedcost', 'line_item_net_unblended_cost'],
  list: ['pricing/publicondemandcost', 'pricing_public_on_demand_cost'],
  currency: ['lineitem/currencycode', 'line_item_currency_code'],
  service: ['product/productname', 'product_product_name', 'product.product_name', 'lineitem/productcode', 'line_item_product_code'],
  resource: ['lineitem/resourceid', 'line_item_resource_id'],
  sku: ['product/sku', 'product_sku', 'line_item_usage_type'],
  type: ['lineitem/lineitemtype', 'line_item_line_item_type'],
  spEffective: ['savingsplan/savingsplaneffectivecost', 'savings_plan_savings_plan_effective_cost'],
  spCommitment: ['savingsplan/totalcommitmenttodate', 'savings_plan_total_commitment_to_date'],
  spUsed: ['savingsplan/usedcommitment', 'savings_plan_used_commitment'],
  riEffective: ['reservation/effectivecost', 'reservation_effective_cost'],
  riUnusedUpfront: ['reservation/unusedamortizedupfrontfeeforbillingperiod', 'reservation_unused_amortized_upfront_fee_for_billing_period'],
  riUnusedRecurring: ['reservation/unusedrecurringfee', 'reservation_unused_recurring_fee'],
  riArn: ['reservation/reservationarn', 'reservation_reservation_a_r_n'],
  spArn: ['savingsplan/savingsplanarn', 'savings_plan_savings_plan_a_r_n'],
  billingStart: ['bill/billingperiodstartdate', 'bill_billing_period_start_date'],
  account: ['lineitem/usageaccountid', 'line_item_usage_account_id'],
  billingEnd: ['bill/billingperiodenddate', 'bill_billing_period_end_date'],
};

/**
 * AWS Cost and Usage Reports, legacy and 2.0. Billed cost is the unblended cost; effective
 * cost the net unblended cost when the report has it, else the unblended cost. Tags come
 * from `resourceTags/user:*` columns (legacy) or the `resource_tags` map (2.0), without the
 * `user:` prefix. CUR 2.0 keeps the product name in its `product` map.
 */
export const awsCur: BillingFormat = {
  format: 'aws-cur',
  dateField: F.start[0]!,
  detect: (names) => names.includes('lineitem/unblendedcost') || names.includes('line_item_unblended_cost'),
  reads: (names) => [...Object.values(F).flat(), 'product', 'resource_tags', 'cost_category', ...names.filter((n) => TAG_COLUMNS.some((c) => n.startsWith(c.prefix)))],
  toRecord(row, options) {
    const c = cells(row, options);
    const billed = c.money(F.unblended, true)!;
    const type = c.text(...F.type);
    if (type === '') throw new RowProblem(F.type[0]!, 'missing');
    const lineId = c.text(...F.id);
    return {
      periodStartMs: c.date(F.start),
      periodEndMs: c.date(F.end),
      billedCost: billed,
      effectiveCost: amortised(type, c, c.money(F.net, false) ?? billed),
      listCost: c.money(F.list, false),
      currency: c.currency(F.currency, true),
      provider: 'AWS',
      service: c.text(...F.service),
      ...(c.text(...F.resource) ? { resourceId: c.text(...F.resource) } : {}),
      ...(c.text(...F.sku) ? { sku: c.text(...F.sku) } : {}),
      chargeCategory: CATEGORIES[type.toLowerCase() as keyof typeof CATEGORIES] ?? chargeCategory({ adjustment: 'adjustment' }, 'adjustment', F.type[0]!),
      tags: { ...tagColumns(row), ...withoutUserPrefix(c.tags('resource_tags')), ...costCategories(c.tags('cost_category')) },
      ...(lineId ? { lineId } : {}),
      ...billingPeriod(c.optionalDate(F.billingStart), c.optionalDate(F.billingEnd)),
      ...ownerFields({ account: c.text(...F.account) }),
      ...(COMMITMENT[type.toLowerCase()] ? { commitment: COMMITMENT[type.toLowerCase()], ...optionalId(c.text(...F.riArn) || c.text(...F.spArn)) } : {}),
    };
  },
};

/**
 * Tags kept one per column (issue 15), named as the README documents: legacy
 * `resourceTags/user:Name` and the Athena/Parquet layout's `resource_tags_user_name` are the
 * tag `Name` (`name`); legacy `costCategory/Name` and `cost_category_name` are the tag
 * `cost_category/Name` (`cost_category/name`).
 */
const TAG_COLUMNS: readonly { prefix: string; tag: (rest: string) => string }[] = [
  { prefix: 'resourcetags/', tag: (rest) => rest.replace(/^user:/, '') },
  { prefix: 'resource_tags_user_', tag: (rest) => rest },
  { prefix: 'costcategory/', tag: (rest) => `cost_category/${rest}` },
  { prefix: 'cost_category_', tag: (rest) => `cost_category/${rest}` },
];

function tagColumns(row: RecordView): Record<string, string> {
  const tags = newTags();
  for (const name of row.names()) {
    const lower = name.toLowerCase();
    const column = TAG_COLUMNS.find((c) => lower.startsWith(c.prefix) && lower.length > c.prefix.length);
    if (!column) continue;
    const value = row.text(lower);
    if (value !== '') tags[column.tag(name.slice(column.prefix.length))] = value;
  }
  return tags;
}

/** CUR 2.0's `cost_category` map: each category as the tag `cost_category/Name`. */
function costCategories(map: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [`cost_category/${k}`, v]));
}

function withoutUserPrefix(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k.replace(/^user[:_]/, ''), v]));
}

/**
 * Commitment lines (issue 29): usage a Savings Plan or reservation covered is used
 * commitment; its recurring fee, whose amortised cost is the part left unused (see
 * amortised), is unused commitment.
 */
const optionalId = (id: string) => (id === '' ? {} : { commitmentId: id });

const COMMITMENT: Readonly<Record<string, 'used' | 'unused'>> = {
  savingsplancoveredusage: 'used',
  discountedusage: 'used',
  savingsplanrecurringfee: 'unused',
  rifee: 'unused',
};

/**
 * Effective cost as AWS amortises it (issue 15; AWS's own rules, as Cost Explorer's
 * "amortized cost" and the Well-Architected CUR queries apply them): covered usage costs what
 * the Savings Plan or reservation made it cost; a recurring fee costs only its unused part;
 * upfront fees and negation rows cost nothing here (they are spread into the covered usage),
 * so nothing is counted twice. Every other line costs its (net) unblended cost.
 */
function amortised(type: string, c: ReturnType<typeof cells>, unblended: Decimal): Decimal {
  const money = (names: readonly string[]) => c.money(names, true)!;
  switch (type.toLowerCase()) {
    case 'savingsplancoveredusage':
      return money(F.spEffective);
    case 'savingsplanrecurringfee':
      return money(F.spCommitment).minus(money(F.spUsed));
    case 'savingsplannegation':
    case 'savingsplanupfrontfee':
      return new Decimal(0);
    case 'discountedusage':
      return money(F.riEffective);
    case 'rifee':
      return money(F.riUnusedUpfront).plus(money(F.riUnusedRecurring));
    case 'fee':
      return c.text(...F.riArn) === '' ? unblended : new Decimal(0);
    default:
      return unblended;
  }
}
