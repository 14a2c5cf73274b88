import type { ErpMapping } from './erp.js';
import type { RunViews } from './run-views.js';
import type { LineBreakdown } from './explain.js';
import type { ListAgainstInvoice } from './list-vs-invoice.js';
import type { CountColumn } from './usage-counts.js';
import type { AmountPart } from './parts.js';
import type { Decimal } from './money.js';
import type { Month } from './month.js';

/** Where a usage record came from; GPU intervals plug in as source `gpu`. */
export type UsageSource = 'gateway' | 'gpu';

/** Who a usage record belongs to, as far as its export says. `api_key` is a fingerprint. */
export interface Identity {
  api_key?: string;
  user?: string;
  team?: string;
  project?: string;
  namespace?: string;
  host?: string;
}

/**
 * The base quantities a usage record carries; every driver is computed from these. Gateway
 * events add 0 to the GPU quantities and GPU intervals add 0 to the others (SPEC §8.8).
 */
export interface Quantities {
  requests: Decimal;
  input_tokens: Decimal;
  output_tokens: Decimal;
  cached_input_tokens: Decimal;
  cache_write_tokens: Decimal;
  cache_write_1h_tokens: Decimal;
  reasoning_tokens: Decimal;
  web_search_calls: Decimal;
  gpu_seconds: Decimal;
  gpu_busy_seconds: Decimal;
  gpu_mem_gib_seconds: Decimal;
  /** GPU energy in millijoules (DCGM's unit), measured by the energy counter or integrated from power (issue 35). */
  gpu_energy_mj: Decimal;
}

/**
 * Ok usage of one month with identical identity, model, tier, environment and tags,
 * summed. Compute works on these groups, never on single events.
 */
export interface UsageGroup {
  source: UsageSource;
  identity: Identity;
  model?: string;
  tier?: string;
  environment?: string;
  tags: Readonly<Record<string, string>>;
  quantities: Quantities;
  /** The start of the stretch of the month the group covers, when the month is split where prices change (issue 29); else the whole month. */
  fromMs?: number;
  /** GPU only: whether the samples had a namespace or pod label (unowned, they are then unallocated, not idle). */
  labelled?: boolean;
  /** GPU only: seconds (at their share) whose utilisation no sample reported: their busy time is unknown, not 0. */
  unmeasuredBusySeconds?: Decimal;
  /**
   * The owner, when it was resolved before the group was summed (a class of many dims rows,
   * whose identities differ): `matched` tells a centre's rule from the unallocated fallback.
   */
  centre?: Owner;
}

/** A usage group without its quantities: what matching and filters read. */
export type GroupShape = Omit<UsageGroup, 'quantities'>;

/** Who a group's usage is charged to, and whether a cost centre's rule said so. */
export interface Owner {
  id: string;
  matched: boolean;
}


/** One GPU telemetry sample (SPEC §3.3); a missing value is null. */
export interface GpuSample {
  tsMs: number;
  host: string;
  gpu: string;
  utilPct: Decimal | null;
  memUsedMib: Decimal | null;
  /** The GPU's energy counter (DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION, mJ since the driver loaded), when sampled. */
  energyMj?: Decimal;
  /** The GPU's power draw in W, when sampled: energy is integrated from it where no counter is. */
  powerW?: Decimal;
  /**
   * The share of the physical GPU this device is: a MIG slice's compute slices over the GPU's
   * (1g.10gb of an A100: 1/7). Absent for a whole GPU.
   */
  share?: Decimal;
  /** A MIG slice's profile (`3g.40gb`), which a card's `mig_shares` may give another share. */
  profile?: string;
  /**
   * How long the sample lasts, when its source says (an OpenCost allocation covers its
   * window): its interval, whatever the next sample's time.
   */
  lengthMs?: number;
  namespace?: string;
  pod?: string;
  container?: string;
}

export const MATCH_KEYS = ['api_key', 'user', 'team', 'project', 'namespace', 'host', 'account', 'subscription', 'resource_group', 'service'] as const;
export type MatchKey = (typeof MATCH_KEYS)[number];

/** A cost centre's match rule: any listed value of any key (or `tag.NAME`) matches. */
export type MatchRule = ReadonlyMap<string, readonly string[]>;

export interface CostCentre {
  id: string;
  name: string;
  match: MatchRule;
}

export const DRIVERS = [
  'requests',
  'input_tokens',
  'output_tokens',
  'cached_input_tokens',
  'tokens',
  'weighted_tokens',
  'gpu_seconds',
  'gpu_hours',
  'gpu_busy_hours',
  'gpu_mem_gib_hours',
  'gpu_energy_kwh',
  'charges',
] as const;
export type Driver = (typeof DRIVERS)[number];

/** Token weights of `weighted_tokens`; `cached` defaults to the input weight (SPEC §4.1). */
export interface TokenWeights {
  input: Decimal;
  output: Decimal;
  cached: Decimal;
}

/** Which usage a pool serves (SPEC §8.4): AND across keys, OR within a key's list. */
export interface UsageFilter {
  models?: readonly string[];
  tiers?: readonly string[];
  environments?: readonly string[];
  sources?: readonly UsageSource[];
  tags?: ReadonlyMap<string, readonly string[]>;
}

/**
 * What a self-hosted pool's cost is built from besides its fixed amount or bill (issue 35):
 * its hardware depreciated straight-line, and the energy its GPUs measured.
 */
export interface CostParts {
  depreciation?: readonly Depreciation[];
  energy?: EnergyPrice;
}

/** Hardware bought for `purchase`, in service from `inService`, written down evenly over `lifeMonths` to `salvage`. */
export interface Depreciation {
  /** What was bought, as the card names it (`8x H100 node`); the path's index otherwise. */
  name: string;
  purchase: Decimal;
  salvage: Decimal;
  inService: Month;
  lifeMonths: number;
}

/** The GPUs' measured energy × `pue` × `pricePerKwh`; only `hosts`' GPUs when listed. */
export interface EnergyPrice {
  pue: Decimal;
  pricePerKwh: Decimal;
  hosts?: readonly string[];
}

export interface FixedCost extends CostParts {
  kind: 'fixed';
  amount: Decimal;
}

export const BILLING_FILTER_KEYS = ['provider', 'service', 'resource_id', 'sku', 'charge_category'] as const;
export type BillingFilterKey = (typeof BILLING_FILTER_KEYS)[number];

/** Which billing records a pool's cost comes from: AND across keys, OR within a list. */
export interface BillingFilter {
  fields: ReadonlyMap<BillingFilterKey, readonly string[]>;
  tags: ReadonlyMap<string, readonly string[]>;
}

export const COST_COLUMNS = ['effective_cost', 'billed_cost', 'list_cost'] as const;
export type CostColumn = (typeof COST_COLUMNS)[number];

/** A pool cost taken from the bill: Σ column over matching records, prorated to the month. */
export interface BillingCost extends CostParts {
  kind: 'billing';
  filter: BillingFilter;
  column: CostColumn;
}
export type PoolCost = FixedCost | BillingCost;

/** A normalised cloud billing record (SPEC §3.2); its period is [start, end). */
export interface BillingRecord {
  periodStartMs: number;
  periodEndMs: number;
  billedCost: Decimal;
  effectiveCost: Decimal;
  listCost: Decimal | null;
  currency: string;
  provider: string;
  service: string;
  resourceId?: string;
  sku?: string;
  chargeCategory: string;
  tags: Readonly<Record<string, string>>;
  /** The provider's own id of the line, when the export has one (it keys re-ingest). */
  lineId?: string;
  /**
   * The invoice's billing period, when the export names it (FOCUS BillingPeriodStart, CUR
   * bill/BillingPeriodStartDate, Azure BillingPeriodStartDate, GCP invoice.month): billed
   * cost follows it, so a month reconciles to its invoice.
   */
  billingPeriodStartMs?: number;
  billingPeriodEndMs?: number;
  /** Who the bill belongs to, where the export says (issue 29): what direct attribution matches. */
  account?: string;
  subscription?: string;
  project?: string;
  resourceGroup?: string;
  /**
   * Commitment the record is (FOCUS CommitmentDiscountStatus; CUR covered usage, and the
   * recurring fees whose amortised cost is the unused part): `used` or `unused`.
   */
  commitment?: 'used' | 'unused';
  /** Which commitment (FOCUS CommitmentDiscountId; CUR reservation or Savings Plan ARN), where the record is one's. */
  commitmentId?: string;
  /** The model the line charges, where the export names one: a price list is held to it model by model. */
  model?: string;
}

export interface Pool {
  id: string;
  cost?: PoolCost;
  overheadPct: Decimal;
  usage?: UsageFilter;
  method: string;
  /** The pool's driver; a hybrid pool may have none (its components name theirs). */
  driver?: Driver;
  weights: TokenWeights;
  /** QoS tier → multiplier of event drivers; a tier not listed is 1. */
  tierMultipliers: ReadonlyMap<string, Decimal>;
  /** What a price method does with `C − Σ charges` when the pool has a cost. */
  idle: 'unallocated' | 'spread';
  /** Method-specific parameters, as the method's own parser returned them. */
  params: unknown;
  /** Per QoS tier, the latency and availability promised and the credits for breaking them (issue 21). */
  slo?: readonly SloPromise[];
}

export interface RateCard {
  version: 1;
  currency: string;
  timezone: string;
  effectiveFrom?: Month;
  effectiveTo?: Month;
  unallocated: string;
  /** Credited in the ERP journal (SPEC §7). */
  platform?: Platform;
  costCentres: readonly CostCentre[];
  pools: readonly Pool[];
  unpriced: 'error' | 'ignore';
  budgets: readonly Budget[];
  /** Rates into the card's currency, for billing records in another (issue 15). */
  exchangeRates?: readonly ExchangeRate[];
  /**
   * GPU hosts by the name telemetry gives them (a Docker container id in `Hostname`, a
   * Prometheus `instance`): the host that name stands for (issue 17).
   */
  hosts?: Readonly<Record<string, string>>;
  /** Shares of the physical GPU by MIG profile, where the card knows better than the profile's name (issue 17). */
  migShares?: Readonly<Record<string, Decimal>>;
  /** How the journal maps onto the finance team's ERP (issue 32). */
  erp?: ErpMapping;
  /** What change the report's variances list first (issue 33). */
  variances?: VarianceThreshold;
  /** What day counts as an anomaly (issue 33). */
  anomalies?: AnomalyRule;
  /** Where budget alerts go (issue 35). */
  notify?: NotifyTarget;
}

/** A change is notable when it is at least `amount` and at least `pct` percent of last month's. */
export interface VarianceThreshold {
  pct: Decimal;
  amount: Decimal;
}

/**
 * A centre's day is an anomaly when its cost (its tokens where the run has no cost by day)
 * reaches `factor` × the median of the `lookBackDays` before it, and is at least `minAmount`.
 */
export interface AnomalyRule {
  factor: Decimal;
  lookBackDays: number;
  minAmount: Decimal;
}

/** One unit of `currency` is `rate` units of the card's currency, as of `date`, per `source`. */
export interface ExchangeRate {
  currency: string;
  rate: Decimal;
  /** YYYY-MM-DD: the day the rate is quoted for. */
  date: string;
  /** Where the rate comes from ("ECB euro reference rate"), for the audit trail. */
  source: string;
}

/** A pool's records in one foreign currency: their sum, and that sum at the card's rate. */
export interface Conversion extends ExchangeRate {
  amount: Decimal;
  converted: Decimal;
}

/** A cost centre's monthly budget (SPEC §4): an alert at alert_pct, `hard` makes cron fail. */
export interface Budget {
  costCentre: string;
  monthly: Decimal;
  alertPct: Decimal;
  hard: boolean;
  /** Percents of the budget whose crossing `budgets --notify` sends, ascending (issue 35); default alert_pct and 100. */
  alertAt?: readonly Decimal[];
}

/**
 * Where `budgets --notify` sends an alert (issue 35): a webhook whose URL comes from the
 * environment or a file (it may carry a secret), a file a line is appended to, or a command
 * run with the alert on stdin. Paths are as the card wrote them (relative to its folder).
 */
export type NotifyTarget = NotifyTo & { timeoutMs: number };
export type NotifyTo =
  | { kind: 'webhook'; urlEnv: string }
  | { kind: 'webhook'; urlFile: string }
  | { kind: 'file'; path: string }
  | { kind: 'command'; command: string };

export interface Platform {
  costCentre: string;
  glAccount: string;
}

/** One (cost centre, pool) line of a statement. `kind: idle` lines carry method `idle`. */
export interface StatementLine {
  costCentre: string;
  costCentreName: string;
  pool: string;
  method: string;
  driver: string;
  quantity: Decimal | null;
  unitPrice: Decimal | null;
  amount: Decimal;
  /** The terms the amount is made of (explain); runs stored before version 6 have none. */
  parts?: readonly AmountPart[];
  /**
   * The gateway usage behind a usage line, as logged (no multipliers): requests and each token
   * class, those not 0 (issue 29: FOCUS keeps the tokens). Runs before it have none.
   */
  usage?: Readonly<Partial<Record<'requests' | CountColumn, Decimal>>>;
  /** What lies behind an event-driven usage line, worked out by compute and stored with the run (issue 30). */
  breakdown?: LineBreakdown;
}

/** Usage that no pool's filter takes: listed, never dropped nor priced at zero. */
export interface UnpricedUsage {
  source: UsageSource;
  model: string;
  identity: string;
  costCentre: string;
  quantities: Quantities;
}

/** The per-pool reconciliation: its lines must add up to its cost (or charges). */
export interface PoolReconciliation {
  pool: string;
  expected: Decimal;
  actual: Decimal;
}

/** Where a pool's cost `C` came from, for the run and the reader of the statement. */
export interface PoolCostSource {
  pool: string;
  /** `fixed`, `billing` (with the records matched and their prorated sum), or `none` (a price list). */
  kind: 'fixed' | 'billing' | 'none';
  base: Decimal | null;
  matched?: number;
  column?: string;
  /** Records in other currencies, converted at the card's rates (their sums are in `base`). */
  conversions?: readonly Conversion[];
  overheadPct: Decimal;
  cost: Decimal | null;
  /** A price list with a billed cost: its list price against the invoice, per provider and model (issue 29). */
  listAgainstInvoice?: readonly ListAgainstInvoice[];
  /** What `base` is made of, where the card builds the cost from parts (issue 35); they add up to `base`. */
  parts?: readonly CostPart[];
}

/** One part of a pool's cost, to the cent, and how it was worked out. */
export interface CostPart {
  part: 'fixed' | 'billing' | 'depreciation' | 'energy';
  amount: Decimal;
  detail: string;
}

export interface Statement {
  month: string;
  currency: string;
  lines: StatementLine[];
  poolCosts: PoolCostSource[];
  unpriced: UnpricedUsage[];
  unmatched: string[];
  warnings: string[];
  reconciliation: {
    poolCosts: Decimal;
    priceListCharges: Decimal;
    lines: Decimal;
    pools: PoolReconciliation[];
  };
  /** What the run's views show besides its lines, when compute works it out to store it (issue 30). */
  views?: RunViews;
}

/** One sample of a cumulative counter (a serving engine's token counter): usage is its increase. */
export interface CounterSample {
  /** The metric and its labels, canonical: one series. */
  series: string;
  metric: string;
  labels: Readonly<Record<string, string>>;
  tsMs: number;
  value: number;
}

/** A normalised gateway request (SPEC §3.1), as every gateway reader produces it. */
export interface UsageEvent {
  tsMs: number;
  requestId?: string;
  apiKeyFp?: string;
  apiKeyLast4?: string;
  user?: string;
  team?: string;
  project?: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  /** Token classes (issue 29), where the source says: cache writes (5-minute, 1-hour) are part of input, reasoning of output. */
  cacheWriteTokens?: number;
  cacheWrite1hTokens?: number;
  reasoningTokens?: number;
  /** Web-search (server tool) calls, priced per call. */
  webSearchCalls?: number;
  /** Requests this record stands for: 1 for a request log, the API's own count for a usage bucket (issue 16). */
  requests?: number;
  latencyMs?: number;
  status: 'ok' | 'error';
  tier?: string;
  environment?: string;
  tags: Record<string, string>;
}

/** A latency band: a measured p99 above the promise and at most `upToMs` (none: any higher) earns `creditPct`. */
export interface LatencyBand {
  upToMs: Decimal | null;
  creditPct: Decimal;
}

/** An availability band: a measured availability below the promise and at least `fromPct` (none: any lower) earns `creditPct`. */
export interface AvailabilityBand {
  fromPct: Decimal | null;
  creditPct: Decimal;
}

/** What a pool promises one tier. Either promise may be absent; each present one has its bands. */
export interface SloPromise {
  tier: string;
  latencyP99Ms: Decimal | null;
  latencyCredits: readonly LatencyBand[];
  availabilityPct: Decimal | null;
  availabilityCredits: readonly AvailabilityBand[];
}
