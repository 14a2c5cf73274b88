import { billingFilterTakes, countsInMonth, monthCost } from './billing.js';
import type { Listed } from './methods/price-list.js';
import { normaliseModel } from './methods/price-list.js';
import { Decimal } from './money.js';
import type { Period } from './month.js';
import { compareIds } from './order.js';
import type { BillingCost, BillingRecord, ExchangeRate } from './types.js';

/**
 * A price list held to its invoice (issue 29): what the month's usage came to at list price
 * against what the bill says, per provider, and per model where the bill names models. The
 * difference is the pool's variance line; this says where it comes from.
 */
export interface ListAgainstInvoice {
  provider: string;
  /** Null on a provider's row; a model's row follows its provider's. */
  model: string | null;
  list: Decimal;
  invoice: Decimal;
}

/** Names one provider goes by in bills and price maps (FOCUS `AWS`, LiteLLM `bedrock`, …). */
const PROVIDER_ALIASES: Readonly<Record<string, string>> = {
  amazonwebservices: 'aws', amazon: 'aws', bedrock: 'aws', bedrockconverse: 'aws', sagemaker: 'aws',
  azure: 'microsoft', azureai: 'microsoft', microsoftazure: 'microsoft',
  google: 'google', googlecloud: 'google', gcp: 'google', vertexai: 'google', gemini: 'google',
};
const NOT_NAMED = '(provider not named)';

export function providerKey(name: string): string {
  const plain = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  return PROVIDER_ALIASES[plain] ?? plain;
}

/** A model as the two sides are matched: normalised, without a snapshot's date (bills name `gpt-4o-2024-08-06`, gateways `gpt-4o`). */
const modelKey = (model: string) => normaliseModel(model.toLowerCase()).replace(/-(\d{4}-\d{2}-\d{2}|\d{8})$/, '');

interface Side { name: string; list: Decimal; invoice: Decimal; models: Map<string, { name: string; list: Decimal; invoice: Decimal }>; billsModels: boolean }

/**
 * The rows, providers in name order, each followed by its models when its bill names them.
 * Bills in another currency are converted once per currency and key at the card's rate, as
 * the pool's cost is. List amounts stay exact; the rows are shown rounded.
 */
export function listAgainstInvoice(
  listed: readonly Listed[], cost: BillingCost, records: readonly BillingRecord[], period: Period, currency: string, rates: readonly ExchangeRate[],
): ListAgainstInvoice[] {
  const rateOf = (code: string) => (code === currency ? new Decimal(1) : rates.find((r) => r.currency === code)?.rate ?? new Decimal(0));
  const sides = new Map<string, Side>();
  const sideOf = (key: string, name: string): Side => {
    const side = sides.get(key) ?? { name, list: new Decimal(0), invoice: new Decimal(0), models: new Map(), billsModels: false };
    sides.set(key, side);
    return side;
  };
  const modelOf = (side: Side, name: string) => {
    const entry = side.models.get(modelKey(name)) ?? { name, list: new Decimal(0), invoice: new Decimal(0) };
    side.models.set(modelKey(name), entry);
    return entry;
  };
  for (const r of records) {
    if (!billingFilterTakes(cost, r) || !countsInMonth(r, cost.column, period)) continue;
    const amount = monthCost(r, cost.column, period).times(rateOf(r.currency));
    const side = sideOf(providerKey(r.provider), r.provider);
    side.invoice = side.invoice.plus(amount);
    if (r.model) {
      side.billsModels = true;
      const entry = modelOf(side, r.model);
      entry.invoice = entry.invoice.plus(amount);
    }
  }
  // Rows naming no provider are the one provider's the bill has, when it has one.
  const billed = [...sides.keys()];
  for (const { provider, model, amount } of listed) {
    const key = provider !== null ? providerKey(provider) : billed.length === 1 ? billed[0]! : '';
    const side = sideOf(key, provider ?? NOT_NAMED);
    side.list = side.list.plus(amount);
    const entry = modelOf(side, model);
    entry.list = entry.list.plus(amount);
  }
  return [...sides.values()].sort((a, b) => compareIds(a.name, b.name)).flatMap((side) => [
    { provider: side.name, model: null, list: side.list, invoice: side.invoice },
    ...(side.billsModels
      ? [...side.models.values()].sort((a, b) => compareIds(a.name, b.name)).map((m) => ({ provider: side.name, model: m.name, list: m.list, invoice: m.invoice }))
      : []),
  ]);
}
