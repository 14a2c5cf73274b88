import { DEFAULT_WEIGHTS } from '../domain/drivers.js';
import {
  checkKeys,
  describe,
  isRecord,
  readChoice,
  readDecimal,
  readMeasure,
  readRecord,
  readString,
  readStringList,
  type FieldPath,
  type Issues,
  type Raw,
} from '../domain/fields.js';
import { METHODS, type AllocationMethod } from '../domain/methods/index.js';
import { Decimal, isIsoCurrency, parseDecimal } from '../domain/money.js';
import { isKnownTimeZone, parseMonth, type Month } from '../domain/month.js';
import {
  BILLING_FILTER_KEYS,
  COST_COLUMNS,
  DRIVERS,
  MATCH_KEYS,
  type BillingFilter,
  type BillingFilterKey,
  type Budget,
  type CostCentre,
  type Platform,
  type TokenWeights,
  type Driver,
  type ExchangeRate,
  type Pool,
  type PoolCost,
  type RateCard,
  type UsageFilter,
  type UsageSource,
} from '../domain/types.js';
import { fingerprintKey, isFingerprint } from '../secrets.js';
import { readSlo } from './slo.js';
import { readErp } from './erp.js';
import { readAnomalies, readVariances } from './review.js';
import { readAlertAt, readNotify } from './notify.js';
import { checkEnergyOnce, COST_PART_KEYS, readCostParts } from './cost-parts.js';

const CARD_KEYS = [
  'version',
  'currency',
  'timezone',
  'effective_from',
  'effective_to',
  'unallocated',
  'platform',
  'erp',
  'cost_centres',
  'pools',
  'budgets',
  'unpriced',
  'exchange_rates',
  'hosts',
  'mig_shares',
  'variances',
  'anomalies',
  'notify',
];
const CENTRE_KEYS = ['id', 'name', 'match'];
const POOL_KEYS = ['id', 'cost', 'overhead_pct', 'usage', 'method', 'driver', 'weights', 'tier_multipliers', 'slo'];
const USAGE_KEYS = ['models', 'tiers', 'environments', 'sources', 'tags'];
const SOURCES: readonly UsageSource[] = ['gateway', 'gpu'];

/**
 * Checks a parsed rate card against SPEC §4 and builds the typed card. Every problem is
 * added to `issues` (all of them, not only the first); returns null when there is any.
 */
export function parseRateCard(raw: unknown, issues: Issues): RateCard | null {
  const card = readRecord(raw, [], issues);
  if (!card) return null;
  checkKeys(card, CARD_KEYS, [], issues);
  if (card.version !== 1) issues.add(['version'], `expected 1, got ${describe(card.version)}`);
  const currency = readCurrency(card.currency, issues);
  const timezone = readTimezone(card.timezone, issues);
  const effectiveFrom = readOptionalMonth(card.effective_from, ['effective_from'], issues);
  const effectiveTo = readOptionalMonth(card.effective_to, ['effective_to'], issues);
  if (effectiveFrom && effectiveTo && effectiveTo.label < effectiveFrom.label) {
    issues.add(['effective_to'], `${effectiveTo.label} is before effective_from ${effectiveFrom.label}: the card would be in effect in no month`);
  }
  const unallocated = readString(card.unallocated, ['unallocated'], issues);
  const platform = card.platform === undefined ? undefined : readPlatform(card.platform, issues);
  const costCentres = readList(card.cost_centres, ['cost_centres'], issues, readCostCentre);
  const centreIds = new Set([...costCentres.map((c) => c.id), ...(unallocated ? [unallocated] : [])]);
  const pools = readList(card.pools, ['pools'], issues, (raw, path, found) => readPool(raw, path, found, centreIds));
  checkUniqueIds(costCentres, ['cost_centres'], issues);
  checkUniqueIds(pools, ['pools'], issues);
  checkEnergyOnce(pools, issues);
  const unpriced =
    card.unpriced === undefined ? 'error' : readChoice(card.unpriced, ['error', 'ignore'] as const, ['unpriced'], issues);
  const budgets = card.budgets === undefined ? [] : readList(card.budgets, ['budgets'], issues, (raw, path, found) => readBudget(raw, path, found, centreIds));
  const exchangeRates = card.exchange_rates === undefined ? [] : readExchangeRates(card.exchange_rates, currency, issues);
  const hosts = card.hosts === undefined ? undefined : readHosts(card.hosts, issues);
  const migShares = card.mig_shares === undefined ? undefined : readMigShares(card.mig_shares, issues);
  const variances = card.variances === undefined ? undefined : readVariances(card.variances, issues);
  const anomalies = card.anomalies === undefined ? undefined : readAnomalies(card.anomalies, issues);
  const notify = card.notify === undefined ? undefined : readNotify(card.notify, issues);
  const erp = card.erp === undefined ? undefined : readErp(card.erp, new Set([...centreIds, ...(platform ? [platform.costCentre] : [])]), issues);

  if (issues.list.length > 0 || !currency || !unallocated || !unpriced) return null;
  return {
    version: 1,
    currency,
    timezone,
    ...(effectiveFrom ? { effectiveFrom } : {}),
    ...(effectiveTo ? { effectiveTo } : {}),
    unallocated,
    ...(platform ? { platform } : {}),
    costCentres: costCentres.map((c) => c.value),
    pools: pools.map((p) => p.value),
    unpriced,
    budgets: budgets.map((b) => b.value),
    ...(exchangeRates.length > 0 ? { exchangeRates } : {}),
    ...(hosts ? { hosts } : {}),
    ...(migShares ? { migShares } : {}),
    ...(erp ? { erp } : {}),
    ...(variances ? { variances } : {}),
    ...(anomalies ? { anomalies } : {}),
    ...(notify ? { notify } : {}),
  };
}

/**
 * `mig_shares: { "1g.12gb": "1/4" }`: the share of its GPU a MIG profile's slice is, where the
 * profile's name alone would say otherwise (a GPU of other than 7 slices, a profile with
 * extra engines). A quoted fraction or decimal above 0 and at most 1.
 */
function readMigShares(value: unknown, issues: Issues): Record<string, Decimal> | undefined {
  const raw = readRecord(value, ['mig_shares'], issues);
  if (!raw) return undefined;
  const shares: Record<string, Decimal> = Object.create(null) as Record<string, Decimal>;
  for (const [profile, text] of Object.entries(raw)) {
    const fraction = typeof text === 'string' ? /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text) : null;
    const share = fraction && Number(fraction[2]) > 0 ? new Decimal(fraction[1]!).dividedBy(fraction[2]!) : typeof text === 'string' ? parseDecimal(text) : null;
    if (share === null || !share.greaterThan(0) || share.greaterThan(1)) {
      issues.add(['mig_shares', profile], `expected a share of the GPU above 0 and at most 1, as "1/7" or "0.25", got ${describe(text)}`);
      continue;
    }
    shares[profile] = share;
  }
  return shares;
}

/** `hosts: { "424773df46e0": gpu-node-1 }`: the host each name telemetry gives stands for. */
function readHosts(value: unknown, issues: Issues): Record<string, string> | undefined {
  const raw = readRecord(value, ['hosts'], issues);
  if (!raw) return undefined;
  const hosts: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, host] of Object.entries(raw)) {
    const read = readString(host, ['hosts', name], issues);
    if (read !== null) hosts[name] = read;
  }
  return hosts;
}

/**
 * `exchange_rates: { EUR: { rate: "1.0832", date: 2024-09-30, source: "ECB" } }`: one unit of
 * each listed currency is `rate` units of the card's currency. The date and the source are
 * required: a converted amount must say which rate, of which day, from where.
 */
function readExchangeRates(value: unknown, cardCurrency: string | null, issues: Issues): ExchangeRate[] {
  const rates = readRecord(value, ['exchange_rates'], issues);
  if (!rates) return [];
  const out: ExchangeRate[] = [];
  for (const [currency, raw] of Object.entries(rates)) {
    const path: FieldPath = ['exchange_rates', currency];
    if (!isIsoCurrency(currency)) issues.add(path, `expected an ISO 4217 currency code such as "EUR", got "${currency}"`);
    else if (currency === cardCurrency) issues.add(path, `is the card's own currency: it needs no rate`);
    const entry = readRecord(raw, path, issues);
    if (!entry) continue;
    checkKeys(entry, ['rate', 'date', 'source'], path, issues);
    const rate = readDecimal(entry.rate, [...path, 'rate'], issues);
    if (rate && !rate.greaterThan(0)) issues.add([...path, 'rate'], `expected a rate above 0, got "${entry.rate as string}"`);
    const date = readString(entry.date, [...path, 'date'], issues);
    if (date !== null && !isCalendarDate(date)) issues.add([...path, 'date'], `expected a date YYYY-MM-DD, got ${describe(entry.date)}`);
    const source = readString(entry.source, [...path, 'source'], issues);
    if (rate && rate.greaterThan(0) && date && isCalendarDate(date) && source) out.push({ currency, rate, date, source });
  }
  return out;
}

function isCalendarDate(text: string): boolean {
  const time = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  // Date.parse rolls 02-30 over to 03-01: the day must come back as written.
  return Number.isFinite(time) && new Date(time).toISOString().startsWith(text);
}

function readCurrency(value: unknown, issues: Issues): string | null {
  if (typeof value === 'string' && /^[A-Z]{3}$/.test(value)) return value;
  issues.add(['currency'], `expected a three-letter ISO 4217 code such as "USD", got ${describe(value)}`);
  return null;
}

function readTimezone(value: unknown, issues: Issues): string {
  if (value === undefined) return 'UTC';
  if (typeof value === 'string' && isKnownTimeZone(value)) return value;
  issues.add(['timezone'], `expected an IANA time zone such as "Europe/Berlin", got ${describe(value)}`);
  return 'UTC';
}

function readOptionalMonth(value: unknown, path: FieldPath, issues: Issues): Month | undefined {
  if (value === undefined) return undefined;
  const month = typeof value === 'string' ? parseMonth(value) : null;
  if (!month) issues.add(path, `expected a month YYYY-MM, got ${describe(value)}`);
  return month ?? undefined;
}

function readPlatform(value: unknown, issues: Issues): Platform | undefined {
  const platform = readRecord(value, ['platform'], issues);
  if (!platform) return undefined;
  checkKeys(platform, ['cost_centre', 'gl_account'], ['platform'], issues);
  const costCentre = readString(platform.cost_centre, ['platform', 'cost_centre'], issues);
  const glAccount = readString(platform.gl_account, ['platform', 'gl_account'], issues);
  return costCentre && glAccount ? { costCentre, glAccount } : undefined;
}

interface Located<T> {
  value: T;
  id: string;
  path: FieldPath;
}

function readList<T>(
  value: unknown,
  path: FieldPath,
  issues: Issues,
  readItem: (raw: Raw, path: FieldPath, issues: Issues) => Located<T> | null,
): Located<T>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    issues.add(path, `expected a list, got ${describe(value)}`);
    return [];
  }
  return value.flatMap((item, i) => {
    const record = readRecord(item, [...path, i], issues);
    const read = record ? readItem(record, [...path, i], issues) : null;
    return read ? [read] : [];
  });
}

function checkUniqueIds(items: readonly Located<unknown>[], path: FieldPath, issues: Issues): void {
  const seen = new Map<string, FieldPath>();
  for (const item of items) {
    const first = seen.get(item.id);
    if (first) issues.add([...item.path, 'id'], `duplicate id "${item.id}" (first used at ${path[0]}[${first[1]}])`);
    else seen.set(item.id, item.path);
  }
}

function readCostCentre(raw: Raw, path: FieldPath, issues: Issues): Located<CostCentre> | null {
  checkKeys(raw, CENTRE_KEYS, path, issues);
  const id = readString(raw.id, [...path, 'id'], issues);
  const name = raw.name === undefined ? '' : readString(raw.name, [...path, 'name'], issues);
  const match = raw.match === undefined ? new Map() : readMatch(raw.match, [...path, 'match'], issues);
  if (!id || name === null || !match) return null;
  return { value: { id, name, match }, id, path };
}

function readMatch(value: unknown, path: FieldPath, issues: Issues): Map<string, string[]> | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  const rule = new Map<string, string[]>();
  for (const [key, values] of Object.entries(raw)) {
    if (!(MATCH_KEYS as readonly string[]).includes(key) && !/^tag\.[^.\s]+$/.test(key)) {
      checkKeys({ [key]: values }, [...MATCH_KEYS, 'tag.NAME'], path, issues);
      continue;
    }
    const list = readStringList(values, [...path, key], issues);
    // Raw keys in the card are matched by fingerprint: the ledger never holds a raw key.
    if (list) rule.set(key, key === 'api_key' ? list.map((k) => (isFingerprint(k) ? k : fingerprintKey(k))) : list);
  }
  return rule;
}

function readPool(raw: Raw, path: FieldPath, issues: Issues, centreIds: ReadonlySet<string>): Located<Pool> | null {
  const id = readString(raw.id, [...path, 'id'], issues);
  const methodName = readChoice(raw.method, Object.keys(METHODS), [...path, 'method'], issues);
  const method = methodName ? METHODS[methodName] : undefined;
  checkKeys(raw, [...POOL_KEYS, ...(method?.keys ?? [])], path, issues);
  const cost = raw.cost === undefined ? undefined : readCost(raw.cost, [...path, 'cost'], issues);
  if (methodName === 'direct' && cost && (cost.depreciation || cost.energy)) {
    issues.add([...path, 'cost'], 'a direct pool charges each bill to its owner: depreciation and energy have no owner there (give them a pool of their own)');
  }
  if (method?.needsCost && raw.cost === undefined) {
    issues.add([...path, 'method'], `method ${method.name} splits a cost: the pool needs a "cost"`);
  }
  const overheadPct =
    raw.overhead_pct === undefined ? new Decimal(0) : readDecimal(raw.overhead_pct, [...path, 'overhead_pct'], issues);
  const usage = raw.usage === undefined ? undefined : readUsageFilter(raw.usage, [...path, 'usage'], issues);
  const driver = method ? readDriver(raw.driver, method, [...path, 'driver'], issues) : null;
  const weights = readWeights(raw.weights, [...path, 'weights'], issues);
  const tierMultipliers = readMultipliers(raw.tier_multipliers, [...path, 'tier_multipliers'], issues);
  const idle = raw.idle === undefined ? 'unallocated' : readChoice(raw.idle, IDLE, [...path, 'idle'], issues);
  const params = method ? method.parse(raw, path, issues, { centreIds, hasCost: raw.cost !== undefined }) : null;
  const slo = raw.slo === undefined ? [] : readSlo(raw.slo, [...path, 'slo'], issues);
  if (!id || !method || driver === null || cost === null || !overheadPct || usage === null || slo === null) return null;
  if (!weights || !tierMultipliers || !idle) return null;
  const pool: Pool = {
    id,
    ...(cost ? { cost } : {}),
    overheadPct,
    ...(usage ? { usage } : {}),
    method: method.name,
    ...(driver ? { driver } : {}),
    weights,
    tierMultipliers,
    idle,
    params,
    ...(slo.length > 0 ? { slo } : {}),
  };
  return { value: pool, id, path };
}

const IDLE = ['unallocated', 'spread'] as const;

/**
 * The pool's driver, checked against what its method accepts; a method that names its
 * drivers elsewhere (hybrid) takes none here. Returns undefined for "none", null on error.
 */
function readDriver(value: unknown, method: AllocationMethod, path: FieldPath, issues: Issues): Driver | undefined | null {
  if (method.drivers.length === 0) return undefined;
  if (value === undefined) {
    issues.add(path, `method ${method.name} needs a "driver": one of ${method.drivers.join(', ')}`);
    return null;
  }
  if (typeof value === 'string' && (DRIVERS as readonly string[]).includes(value) && !method.drivers.includes(value as Driver)) {
    issues.add(path, `driver "${value}" does not fit method ${method.name}: expected one of ${method.drivers.join(', ')}`);
    return null;
  }
  return readChoice<Driver>(value, method.drivers, path, issues);
}

function readWeights(value: unknown, path: FieldPath, issues: Issues): TokenWeights | null {
  if (value === undefined) return DEFAULT_WEIGHTS;
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, ['input', 'output', 'cached'], path, issues);
  const weight = (key: string) => (raw[key] === undefined ? new Decimal(1) : readMeasure(raw[key], [...path, key], issues, false));
  const input = weight('input');
  const output = weight('output');
  const cached = raw.cached === undefined ? input : weight('cached');
  return input && output && cached ? { input, output, cached } : null;
}

function readMultipliers(value: unknown, path: FieldPath, issues: Issues): Map<string, Decimal> | null {
  if (value === undefined) return new Map();
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  const entries = Object.entries(raw).map(([tier, v]) => [tier, readMeasure(v, [...path, tier], issues, false)] as const);
  return entries.every(([, v]) => v !== null) ? new Map(entries as [string, Decimal][]) : null;
}

function readCost(value: unknown, path: FieldPath, issues: Issues): PoolCost | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  const parts = readCostParts(raw, path, issues);
  const withParts = raw.depreciation !== undefined || raw.energy !== undefined;
  if (raw.billing === undefined) {
    checkKeys(raw, ['fixed', 'billing', ...COST_PART_KEYS], path, issues);
    // A cost of parts alone has no fixed amount: 0.
    const amount = raw.fixed === undefined && withParts ? new Decimal(0) : readDecimal(raw.fixed, [...path, 'fixed'], issues);
    return amount && parts ? { kind: 'fixed', amount, ...parts } : null;
  }
  checkKeys(raw, ['billing', 'column', ...COST_PART_KEYS], path, issues);
  const column = raw.column === undefined ? 'effective_cost' : readChoice(raw.column, COST_COLUMNS, [...path, 'column'], issues);
  const filter = readBillingFilter(raw.billing, [...path, 'billing'], issues);
  return column && filter && parts ? { kind: 'billing', filter, column, ...parts } : null;
}

/** `billing: { provider, service, resource_id, sku, charge_category, tags }`, values or lists. */
function readBillingFilter(value: unknown, path: FieldPath, issues: Issues): BillingFilter | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, [...BILLING_FILTER_KEYS, 'tags'], path, issues);
  const fields = new Map<BillingFilterKey, string[]>();
  let ok = true;
  for (const key of BILLING_FILTER_KEYS) {
    if (raw[key] === undefined) continue;
    const list = readStringList(raw[key], [...path, key], issues);
    if (list) fields.set(key, list);
    else ok = false;
  }
  const tags = raw.tags === undefined ? new Map<string, string[]>() : readTagFilter(raw.tags, [...path, 'tags'], issues);
  return ok && tags ? { fields, tags } : null;
}

function readUsageFilter(value: unknown, path: FieldPath, issues: Issues): UsageFilter | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  checkKeys(raw, USAGE_KEYS, path, issues);
  const list = (key: string) => (raw[key] === undefined ? undefined : readStringList(raw[key], [...path, key], issues));
  const models = list('models');
  const tiers = list('tiers');
  const environments = list('environments');
  const sources = list('sources');
  sources?.forEach((s, i) => {
    if (!(SOURCES as readonly string[]).includes(s)) readChoice(s, SOURCES, [...path, 'sources', i], issues);
  });
  const tags = raw.tags === undefined ? undefined : readTagFilter(raw.tags, [...path, 'tags'], issues);
  if (models === null || tiers === null || environments === null || sources === null || tags === null) return null;
  return {
    ...(models ? { models } : {}),
    ...(tiers ? { tiers } : {}),
    ...(environments ? { environments } : {}),
    ...(sources ? { sources: sources as UsageSource[] } : {}),
    ...(tags ? { tags } : {}),
  };
}

function readTagFilter(value: unknown, path: FieldPath, issues: Issues): Map<string, string[]> | null {
  const raw = readRecord(value, path, issues);
  if (!raw) return null;
  const entries = Object.entries(raw).map(([name, v]) => [name, readStringList(v, [...path, name], issues)] as const);
  return entries.every(([, v]) => v !== null) ? new Map(entries as [string, string[]][]) : null;
}

function readBudget(raw: Raw, path: FieldPath, issues: Issues, centreIds: ReadonlySet<string>): Located<Budget> | null {
  checkKeys(raw, ['cost_centre', 'monthly', 'alert_pct', 'alert_at', 'hard'], path, issues);
  const centre = readString(raw.cost_centre, [...path, 'cost_centre'], issues);
  if (centre && !centreIds.has(centre)) issues.add([...path, 'cost_centre'], `"${centre}" is not a cost centre of this card`);
  const monthly = readDecimal(raw.monthly, [...path, 'monthly'], issues);
  const alertPct = raw.alert_pct === undefined ? new Decimal(80) : readMeasure(raw.alert_pct, [...path, 'alert_pct'], issues, false);
  if (raw.hard !== undefined && typeof raw.hard !== 'boolean') {
    issues.add([...path, 'hard'], `expected true or false, got ${describe(raw.hard)}`);
  }
  const alertAt = raw.alert_at === undefined ? undefined : readAlertAt(raw.alert_at, [...path, 'alert_at'], issues);
  if (!centre || !monthly || !alertPct || alertAt === null) return null;
  return { value: { costCentre: centre, monthly, alertPct, hard: raw.hard === true, ...(alertAt ? { alertAt } : {}) }, id: `budget:${centre}`, path };
}

export { isRecord };
