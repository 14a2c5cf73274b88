import { ownerFields, billingPeriod, cells, chargeCategory, type BillingFormat } from './format.js';

const CATEGORIES = {
  usage: 'usage', purchase: 'purchase', refund: 'credit', adjustment: 'adjustment', tax: 'tax',
  unusedreservation: 'usage', unusedsavingsplan: 'usage', roundingadjustment: 'adjustment',
} as const;

const F = {
  date: ['date', 'usagedatetime'],
  cost: ['costinbillingcurrency', 'cost', 'pretaxcost'],
  currency: ['billingcurrencycode', 'billingcurrency', 'currency'],
  service: ['metercategory', 'consumedservice', 'servicefamily'],
  resource: ['resourceid', 'instanceid'],
  sku: ['meterid'],
  type: ['chargetype'],
  subscription: ['subscriptionname', 'subscriptionid', 'subscriptionguid'],
  subscriptionId: ['subscriptionid', 'subscriptionguid', 'subscriptionname'],
  resourceGroup: ['resourcegroup', 'resourcegroupname'],
  meterSubcategory: ['metersubcategory'],
  billingStart: ['billingperiodstartdate'],
  billingEnd: ['billingperiodenddate'],
};

/**
 * Azure Cost Management exports (EA and MCA usage details, actual and amortized cost): one
 * row per day, so the charge period is [Date, Date + 1 day). The cost column is both billed
 * and effective cost (an amortized export's cost is already effective). `Tags` may lack its
 * outer braces.
 */
export const azure: BillingFormat = {
  format: 'azure',
  dateField: F.date[0]!,
  // EA and MCA write `Date`; the legacy pay-as-you-go schema `UsageDateTime`, `PreTaxCost` and `InstanceId`.
  detect: (names) => F.date.some((n) => names.includes(n)) && names.includes('metercategory') && F.cost.some((n) => names.includes(n)),
  reads: () => [...Object.values(F).flat(), 'tags'],
  toRecord(row, options) {
    const c = cells(row, options);
    const cost = c.money(F.cost, true)!;
    const start = c.date(F.date);
    return {
      periodStartMs: start,
      periodEndMs: start + 86_400_000,
      billedCost: cost,
      effectiveCost: cost,
      listCost: null,
      currency: c.currency(F.currency, true),
      provider: 'Microsoft',
      service: c.text(...F.service),
      ...(c.text(...F.resource) ? { resourceId: c.text(...F.resource) } : {}),
      ...(c.text(...F.sku) ? { sku: c.text(...F.sku) } : {}),
      chargeCategory: chargeCategory(CATEGORIES, c.text(...F.type) || 'usage', 'chargetype'),
      // What Azure users allocate by, as tags with documented names (issue 15).
      tags: { ...dimensions(c.text(...F.subscription), c.text(...F.resourceGroup), c.text(...F.meterSubcategory)), ...c.tags('tags') },
      ...billingPeriod(c.optionalDate(F.billingStart), c.optionalDate(F.billingEnd)),
      // The subscription by its id where the export has one (names change), else its name.
      ...ownerFields({ subscription: c.text(...F.subscriptionId), resourceGroup: c.text(...F.resourceGroup) }),
    };
  },
};

function dimensions(subscription: string, resourceGroup: string, meterSubcategory: string): Record<string, string> {
  return {
    ...(subscription ? { subscription } : {}),
    ...(resourceGroup ? { resource_group: resourceGroup } : {}),
    ...(meterSubcategory ? { meter_subcategory: meterSubcategory } : {}),
  };
}
