import { UsageError } from '../errors.js';
import { checkKeys, formatPath, readPrice, readRecord, readString, type FieldPath, type Issues, type Raw } from '../fields.js';
import { Decimal, roundCents } from '../money.js';
import { localMidnight } from '../month.js';
import { compareIds } from '../order.js';
import type { AmountPart } from '../parts.js';
import { shown } from '../parts.js';
import type { Quantities, UsageGroup } from '../types.js';
import type { AllocationMethod, PoolCharge } from './method.js';

/**
 * `price-list` (issue 29): one pool prices every model the way providers bill it, per 1M
 * tokens of each class, per request and per call, from a table of rows keyed by model name
 * or glob, each from a day on. Each centre's line sums its exact terms (model × class ×
 * quantity × price × tier multiplier) and is rounded once. Usage of a model with no row is
 * unpriced, never $0.
 */

/** The classes a row prices per 1M tokens. */
export const PRICE_CLASSES = ['input', 'cache_read', 'cache_write', 'cache_write_1h', 'output', 'reasoning'] as const;
type PriceClass = (typeof PRICE_CLASSES)[number];
const CALLS = ['web_search'] as const;
const ROW_KEYS = ['model', 'provider', 'from', 'per_million', 'per_request', 'per_call'];

export interface PriceRow {
  model: string;
  /** The model as a pattern, when it holds `*`. */
  glob: RegExp | null;
  /** The first day (YYYY-MM-DD, in the card's zone) the row prices; null: always. */
  from: string | null;
  perMillion: Partial<Record<PriceClass, Decimal>>;
  perRequest: Decimal | null;
  perCall: Partial<Record<(typeof CALLS)[number], Decimal>>;
  /** Who bills the model (OpenAI, AWS, …): list prices are held to the invoice provider by provider. */
  provider?: string;
  /** Where the row is in the card; its line once the loader has it. */
  path: FieldPath;
  line?: number;
  /** Where a row read from a price file is (`prices.json:120 ("gpt-4o")`). */
  source?: string;
}

export interface PriceListParams {
  rows: PriceRow[];
  /** A LiteLLM price map the card names (`prices_file`, relative to the card), and its rows once the loader has read it. */
  pricesFile?: string;
  fileRows?: PriceRow[];
}

/** What the month's usage came to at list price, per provider and model: what the invoice is held to. */
export interface Listed {
  provider: string | null;
  model: string;
  amount: Decimal;
}

const MILLION = new Decimal(1_000_000);

/** One line of a centre's amount: a model's class at one price, and what scales it (per 1M, the tier). */
interface Term { model: string; cls: string; price: Decimal; per: string; factor: Decimal; quantity: Decimal }

/** Each class's quantity in a group: uncached input and non-reasoning output are what is left of their totals. */
function classQuantities(q: Quantities): Record<PriceClass, Decimal> {
  const writes = q.cache_write_tokens.plus(q.cache_write_1h_tokens);
  return {
    input: q.input_tokens.minus(q.cached_input_tokens).minus(writes),
    cache_read: q.cached_input_tokens,
    cache_write: q.cache_write_tokens,
    cache_write_1h: q.cache_write_1h_tokens,
    output: q.output_tokens.minus(q.reasoning_tokens),
    reasoning: q.reasoning_tokens,
  };
}

/** A class's price: its own, else what it is part of (cache classes of input, reasoning of output, a 1-hour write of a write). */
const FALLBACK: Readonly<Record<PriceClass, readonly PriceClass[]>> = {
  input: ['input'],
  cache_read: ['cache_read', 'input'],
  cache_write: ['cache_write', 'input'],
  cache_write_1h: ['cache_write_1h', 'cache_write', 'input'],
  output: ['output'],
  reasoning: ['reasoning', 'output'],
};

const priceOf = (row: PriceRow, cls: PriceClass) => FALLBACK[cls].map((c) => row.perMillion[c]).find((p) => p !== undefined) ?? null;

/**
 * A model name as providers and gateways write it, without what only routes it: a gateway's
 * `provider/` prefix, Bedrock's region and vendor prefixes and its `-v1:0` version suffix.
 */
export function normaliseModel(model: string): string {
  const last = model.slice(model.lastIndexOf('/') + 1);
  return last.replace(/^(us|eu|apac|global)\./, '').replace(/^(anthropic|amazon|meta|mistral|cohere|ai21|deepseek|openai|qwen|writer)\./, '')
    .replace(/-v\d+(:\d+)?$/, '').replace(/:\d+$/, '');
}

const where = (row: PriceRow) => row.source ?? (row.line !== undefined ? `line ${row.line} (${formatPath(row.path)})` : formatPath(row.path));

/**
 * The rows that price `model`: the card's own first, where an exact name (as written, or
 * normalised) beats a glob, and two globs of different patterns that both match stop the
 * computation, naming both rows; else the price file's row of that exact name.
 */
export function rowsForModel({ rows, fileRows = [] }: PriceListParams, model: string, pool: string): PriceRow[] {
  const names = [...new Set([model, normaliseModel(model)])];
  const own = cardRowsForModel(rows, names, model, pool);
  if (own.length > 0) return own;
  for (const name of names) {
    const filed = fileRows.filter((r) => r.model === name);
    if (filed.length > 0) return filed;
  }
  return [];
}

function cardRowsForModel(rows: readonly PriceRow[], names: readonly string[], model: string, pool: string): PriceRow[] {
  const exact = rows.filter((r) => r.glob === null && names.includes(r.model));
  if (exact.length > 0) return exact;
  const globbed = rows.filter((r) => r.glob !== null && names.some((n) => r.glob!.test(n)));
  const patterns = [...new Set(globbed.map((r) => r.model))];
  if (patterns.length > 1) {
    const [a, b] = patterns.map((p) => globbed.find((r) => r.model === p)!);
    throw new UsageError(`pool ${pool}: model "${model}" matches two price rows, ${where(a!)} "${a!.model}" and ${where(b!)} "${b!.model}": name it exactly, or make one pattern narrower`);
  }
  return globbed;
}

/** Of one model's rows, the one in force on `atMs`: the latest `from` not after it. */
function rowOn(rows: readonly PriceRow[], atMs: number, zone: string): PriceRow | null {
  let best: PriceRow | null = null;
  let bestFrom = -Infinity;
  for (const row of rows) {
    const from = row.from === null ? -Infinity : localMidnight(row.from, zone);
    if (from <= atMs && from >= bestFrom) [best, bestFrom] = [row, from];
  }
  return best;
}

export const priceList: AllocationMethod<PriceListParams> = {
  name: 'price-list',
  kind: 'price',
  drivers: [],
  needsCost: false,
  keys: ['prices', 'prices_file', 'idle'],
  parse(raw, path, issues) {
    const pricesFile = raw.prices_file === undefined ? undefined : readString(raw.prices_file, [...path, 'prices_file'], issues);
    if (pricesFile === null) return null;
    const listed = Array.isArray(raw.prices) ? raw.prices : [];
    if ((raw.prices !== undefined && !Array.isArray(raw.prices)) || (listed.length === 0 && pricesFile === undefined)) {
      issues.add([...path, 'prices'], 'method price-list needs "prices": a list of rows, each a model and its prices (or "prices_file": a LiteLLM price map)');
      return null;
    }
    const rows = listed.map((value, i) => readRow(value, [...path, 'prices', i], issues)).filter((r): r is PriceRow => r !== null);
    const seen = new Map<string, PriceRow>();
    for (const row of rows) {
      const key = JSON.stringify([row.model, row.from]);
      const first = seen.get(key);
      if (first) issues.add([...row.path, row.from === null ? 'model' : 'from'], `"${row.model}" is priced ${row.from === null ? 'without a "from" day' : `from ${row.from}`} twice (first at ${formatPath(first.path)}): one row per model and day`);
      else seen.set(key, row);
    }
    return rows.length === listed.length ? { rows, ...(pricesFile === undefined ? {} : { pricesFile }) } : null;
  },
  driversUsed: () => [],
  charge({ pool, usage, period }, params) {
    const startMs = period.range.startMs;
    const byCentre = new Map<string, Map<string, Term>>();
    const unpriced: UsageGroup[] = [];
    const warnings = new Set<string>();
    const rowsOf = new Map<string, PriceRow[]>();
    const listed = new Map<string, Listed>();
    for (const { group, centre } of usage.owned()) {
      const model = group.model ?? '';
      let candidates = rowsOf.get(model);
      if (!candidates) rowsOf.set(model, (candidates = rowsForModel(params, model, pool.id)));
      const row = rowOn(candidates, group.fromMs ?? startMs, period.zone);
      if (!row) {
        unpriced.push(group);
        continue;
      }
      const multiplier = group.tier === undefined ? new Decimal(1) : pool.tierMultipliers.get(group.tier) ?? new Decimal(1);
      const tier = multiplier.equals(1) ? '' : ` × ${shown(multiplier)} (tier ${group.tier})`;
      const terms = byCentre.get(centre) ?? new Map();
      byCentre.set(centre, terms);
      // A term shows the quantity as logged; `factor` (per 1M, the tier) is in its amount and its words.
      const add = (cls: string, quantity: Decimal, price: Decimal, per: string, factor: Decimal) => {
        if (quantity.isZero()) return;
        const at = JSON.stringify([row.provider ?? null, model]);
        const listedSoFar = listed.get(at) ?? { provider: row.provider ?? null, model, amount: new Decimal(0) };
        listedSoFar.amount = listedSoFar.amount.plus(quantity.times(price).times(factor));
        listed.set(at, listedSoFar);
        const key = JSON.stringify([model, cls, price.toFixed(), per]);
        const term = terms.get(key) ?? { model, cls, price, per, factor, quantity: new Decimal(0) };
        term.quantity = term.quantity.plus(quantity);
        terms.set(key, term);
      };
      const quantities = classQuantities(group.quantities);
      for (const cls of PRICE_CLASSES) {
        const quantity = quantities[cls];
        if (quantity.isZero()) continue;
        const price = priceOf(row, cls);
        if (price === null) {
          warnings.add(`pool ${pool.id}: ${where(row)} prices no ${cls} (nor what it falls back to): ${model}'s ${cls} tokens are charged 0`);
          continue;
        }
        add(cls, quantity, price, `per 1M${tier}`, multiplier.dividedBy(MILLION));
      }
      if (row.perRequest !== null) add('request', group.quantities.requests, row.perRequest, `per request${tier}`, multiplier);
      // A per-call fee is not a token price: the tier does not scale it.
      if (row.perCall.web_search !== undefined) add('web_search call', group.quantities.web_search_calls, row.perCall.web_search, 'per call', new Decimal(1));
      else if (!group.quantities.web_search_calls.isZero()) warnings.add(`pool ${pool.id}: ${where(row)} prices no web_search call: ${model}'s calls are charged 0`);
    }
    const charges = [...byCentre].sort(([a], [b]) => compareIds(a, b)).map(([costCentre, terms]): PoolCharge => {
      const parts: AmountPart[] = [...terms.values()].sort((a, b) => compareIds(a.model, b.model) || compareIds(a.cls, b.cls) || a.price.comparedTo(b.price))
        .map((t) => ({
          what: `${t.model} ${t.cls}: ${shown(t.quantity)} × ${shown(t.price)} ${t.per}`,
          amount: t.quantity.times(t.price).times(t.factor),
          model: t.model,
        }));
      const exact = parts.reduce((total, p) => total.plus(p.amount), new Decimal(0));
      const amount = roundCents(exact);
      const rounding = amount.minus(exact);
      return { costCentre, kind: 'usage', quantity: null, unitPrice: null, amount,
        parts: rounding.isZero() ? parts : [...parts, { what: 'rounding half-up to the cent, once for the line', amount: rounding }] };
    });
    return { charges, warnings: [...warnings], unpriced, listed: [...listed.values()] };
  },
};

function readRow(value: unknown, path: FieldPath, issues: Issues): PriceRow | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, ROW_KEYS, path, issues);
  const model = readString(raw.model, [...path, 'model'], issues);
  const from = raw.from === undefined ? null : readDay(raw.from, [...path, 'from'], issues);
  const perMillion = readPrices(raw.per_million, [...path, 'per_million'], PRICE_CLASSES, issues);
  const perCall = readPrices(raw.per_call, [...path, 'per_call'], CALLS, issues);
  const perRequest = raw.per_request === undefined ? null : readPrice(raw.per_request, [...path, 'per_request'], issues);
  const provider = raw.provider === undefined ? undefined : readString(raw.provider, [...path, 'provider'], issues);
  if (raw.per_million === undefined && raw.per_request === undefined && raw.per_call === undefined) {
    issues.add(path, 'a price row needs "per_million", "per_request" or "per_call"');
    return null;
  }
  if (model === null || from === undefined || !perMillion || !perCall || provider === null || (raw.per_request !== undefined && perRequest === null)) return null;
  return { model, glob: model.includes('*') ? globOf(model) : null, from, perMillion, perRequest, perCall, path, ...(provider ? { provider } : {}) };
}

function readPrices<K extends string>(value: unknown, path: FieldPath, allowed: readonly K[], issues: Issues): Partial<Record<K, Decimal>> | null {
  if (value === undefined) return {};
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, allowed, path, issues);
  const prices: Partial<Record<K, Decimal>> = {};
  let ok = true;
  for (const key of allowed) {
    if ((raw as Raw)[key] === undefined) continue;
    const price = readPrice((raw as Raw)[key], [...path, key], issues);
    if (price === null) ok = false;
    else prices[key] = price;
  }
  return ok && Object.keys(raw).every((k) => (allowed as readonly string[]).includes(k)) ? prices : null;
}

/** A `from` day: YYYY-MM-DD (YAML may have read it as a date), or undefined after reporting it. */
function readDay(value: unknown, path: FieldPath, issues: Issues): string | undefined {
  const text = value instanceof Date ? value.toISOString().slice(0, 10) : value;
  if (typeof text === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`))) return text;
  issues.add(path, `expected a day as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return undefined;
}

/** A model glob (`claude-sonnet-4*`) as a whole-name pattern; every other character is itself. */
function globOf(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
