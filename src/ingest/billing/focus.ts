import { billingPeriod, cells, chargeCategory, commitmentOf, modelOf, ownerFields, type BillingFormat } from './format.js';

const CATEGORIES = { usage: 'usage', purchase: 'purchase', tax: 'tax', credit: 'credit', adjustment: 'adjustment' } as const;
const COLUMNS = ['billingperiodstart', 'billingperiodend', 'chargeperiodstart', 'chargeperiodend', 'billedcost', 'effectivecost', 'listcost', 'billingcurrency',
  'providername', 'serviceprovidername', 'hostprovidername', 'servicename', 'resourceid', 'skuid', 'chargecategory', 'tags', 'id', 'subaccountid', 'commitmentdiscountstatus', 'commitmentdiscountid', 'skupricedetails'];

/**
 * FinOps FOCUS 1.0–1.3 CSV, read by column name in any order. `ProviderName` (1.0–1.2) or
 * `ServiceProviderName`/`HostProviderName` (1.3); `Tags` is JSON; the non-standard `Id` of
 * the FOCUS sample data, when present, keys re-ingest.
 */
export const focus: BillingFormat = {
  format: 'focus',
  dateField: 'chargeperiodstart',
  detect: (names) => ['billedcost', 'chargeperiodstart', 'chargeperiodend'].every((n) => names.includes(n)),
  reads: () => COLUMNS,
  toRecord(row, options) {
    const c = cells(row, options);
    const billed = c.money(['billedcost'], true)!;
    const lineId = c.text('id');
    return {
      periodStartMs: c.date(['chargeperiodstart']),
      periodEndMs: c.date(['chargeperiodend']),
      billedCost: billed,
      effectiveCost: c.money(['effectivecost'], false) ?? billed,
      listCost: c.money(['listcost'], false),
      currency: c.currency(['billingcurrency'], row.value('billingcurrency') !== undefined),
      provider: c.text('providername', 'serviceprovidername', 'hostprovidername'),
      service: c.text('servicename'),
      ...(c.text('resourceid') ? { resourceId: c.text('resourceid') } : {}),
      ...(c.text('skuid') ? { sku: c.text('skuid') } : {}),
      chargeCategory: chargeCategory(CATEGORIES, c.text('chargecategory') || 'usage', 'chargecategory'),
      tags: c.tags('tags'),
      ...(lineId ? { lineId } : {}),
      ...billingPeriod(c.optionalDate(['billingperiodstart']), c.optionalDate(['billingperiodend'])),
      // The sub-account: an AWS member account, an Azure subscription, a GCP project.
      ...ownerFields({ account: c.text('subaccountid') }),
      ...commitmentOf(c.text('commitmentdiscountstatus'), c.text('commitmentdiscountid')),
      // FOCUS 1.3 names the model of an AI line in its price details.
      ...modelOf({ skuPriceDetails: c.text('skupricedetails') }),
    };
  },
};
