import type { CentreExplanation, ExplainedLine } from '../domain/explain.js';
import { describeServiceLevel, type ServiceLevel } from '../domain/slo.js';
import { Decimal, formatAmount, formatQuantity } from '../domain/money.js';
import { partsTotal } from '../domain/parts.js';
import { grouped, printable, readable } from './cells.js';
import { poolCostLines } from './pool-costs.js';
import { asJson, type View } from './view.js';

export interface ExplainView {
  month: string;
  runId: number;
  currency: string;
  explanation: CentreExplanation;
  /** The centre's promised tiers: promised, delivered, credited (issue 21). */
  service: readonly ServiceLevel[];
  /** Every decimal the run keeps (`--exact`), not the figures for people. */
  exact?: boolean;
}

/** How many models, users and days each breakdown lists in the text; JSON lists them all. */
const TOP = 5;

/**
 * How explain writes numbers (issue 33): for people, grouped, unit prices at four significant
 * digits and terms to four places (≈ where that rounds them); `--exact`, every decimal the
 * run keeps (terms to ten places), as explain always did.
 */
interface Numbers {
  quantity(value: Decimal): string;
  price(value: Decimal): string;
  term(value: Decimal): string;
  /** A term's wording, whose figures were written by the method: long decimals shortened for people. */
  text(what: string): string;
}

const signedTerm = (amount: Decimal, text: string) => `${amount.isNegative() ? '−' : '+'} ${text.replace(/^-/, '').replace(/^([\d,]+)$/, '$1.00')}`;
const trimmed = (amount: Decimal, places: number) => amount.toDecimalPlaces(places).toFixed().replace(/(\.\d\d\d*?)0+$/, '$1');

const EXACT: Numbers = {
  quantity: formatQuantity,
  price: formatQuantity,
  term: (amount) => signedTerm(amount, trimmed(amount, 10)),
  text: (what) => what,
};

const READABLE: Numbers = {
  quantity: (value) => grouped(formatQuantity(value)),
  price: readable,
  term: (amount) => {
    // Four places at most, and always the cents: 1,010.80, 0.0048; what four places would make 0, at four significant digits.
    const short = amount.toDecimalPlaces(4).isZero() ? amount.toSignificantDigits(4) : amount.toDecimalPlaces(4);
    return `${signedTerm(amount, grouped(short.toFixed(Math.max(4, short.decimalPlaces())).replace(/(\.\d\d\d*?)0+$/, '$1')))}${short.equals(amount) ? '' : ' ≈'}`;
  },
  text: (what) => what.replace(/\d+\.\d{7,}/g, (n) => readable(new Decimal(n))),
};

export const numbersFor = (exact: boolean): Numbers => (exact ? EXACT : READABLE);

/** The line's amount term by term, adding up to it: what was priced or shared, rounding, idle. */
function termsOf({ line }: ExplainedLine, n: Numbers): string[] {
  if (!line.parts) return ['  amount: (this run was stored before runs kept each amount\'s terms)'];
  const total = partsTotal(line.parts);
  const check = total.toDecimalPlaces(2).equals(line.amount) ? '' : `  (the terms add up to ${total.toFixed()}, not the line: report this)`;
  return ['  amount, term by term:', ...line.parts.map((p) => `    ${n.term(p.amount)}  ${n.text(p.what)}`), `    = ${n === EXACT ? formatAmount(line.amount) : grouped(formatAmount(line.amount))}${check}`];
}

/** A line as explain tells it: its amount, the pool's cost, the quantity and share, the terms, the top keys. `exact`: every decimal. */
export function lineAsText(explained: ExplainedLine, exact = false): string[] {
  const n = numbersFor(exact);
  const { line, poolQuantity, sharePct, breakdown } = explained;
  const out = [`${line.pool} (${line.method}): ${grouped(formatAmount(line.amount))}`];
  out.push(...explained.poolCosts.flatMap((s) => poolCostLines(s).map((l, i) => (i === 0 ? `  cost: ${l}` : `    ${l}`))));
  if (line.quantity !== null) {
    const share = sharePct === null || poolQuantity === null ? '' : ` (${sharePct.toFixed()}% of the pool's ${n.quantity(poolQuantity)})`;
    out.push(`  quantity: ${n.quantity(line.quantity)} ${line.driver}${share}${line.unitPrice ? ` at ${n.price(line.unitPrice)} per unit` : ''}`);
  }
  out.push(...termsOf(explained, n));
  if (breakdown) {
    const list = (entries: readonly [string, Decimal][]) =>
      entries.slice(0, TOP).map(([k, v]) => `${k} ${n.quantity(v)}`).join('; ') + (entries.length > TOP ? `; … ${entries.length - TOP} more` : '');
    out.push(`  by model: ${list(breakdown.byModel)}`, `  by user or key: ${list(breakdown.byIdentity)}`, `  by day: ${list(breakdown.byDay)}`);
  }
  return out;
}

const entries = (list: readonly [string, Decimal][], key: string) => list.map(([k, v]) => ({ [key]: k, quantity: formatQuantity(v) }));

/** `explain`: why a centre's bill is what it is. Text reads top-down; JSON carries every figure exactly. */
export const EXPLAIN_VIEW: View<ExplainView> = {
  table: ({ month, runId, currency, explanation: e, service, exact = false }) => {
    const head = `Explain ${e.costCentre} ${e.costCentreName} — ${month}, run ${runId}: ${grouped(formatAmount(e.total))} ${currency}`;
    const levels = service.length === 0 ? [] : ['', 'Service levels (measured over the month, nearest-rank p99):', ...service.map((s) => `  ${describeServiceLevel(s)}`)];
    const out = [head, ...e.lines.flatMap((l) => ['', ...lineAsText(l, exact)]), ...levels];
    return `${out.map(printable).join('\n')}\n`;
  },
  json: ({ month, runId, currency, explanation: e, service }) => asJson({
    month, run: runId, currency, cost_centre: e.costCentre, cost_centre_name: e.costCentreName, total: formatAmount(e.total),
    lines: e.lines.map(({ line, poolCosts, poolQuantity, sharePct, breakdown }) => ({
      pool: line.pool, method: line.method, driver: line.driver, amount: formatAmount(line.amount),
      quantity: line.quantity === null ? null : formatQuantity(line.quantity),
      unit_price: line.unitPrice === null ? null : formatQuantity(line.unitPrice),
      pool_quantity: poolQuantity === null ? null : formatQuantity(poolQuantity),
      share_pct: sharePct === null ? null : sharePct.toFixed(),
      pool_costs: poolCosts,
      terms: line.parts ? line.parts.map((p) => ({ what: p.what, amount: p.amount.toFixed() })) : null,
      by_model: breakdown ? entries(breakdown.byModel, 'model') : null,
      by_identity: breakdown ? entries(breakdown.byIdentity, 'identity') : null,
      by_day: breakdown ? entries(breakdown.byDay, 'day') : null,
    })),
    service_levels: service.map((s) => ({
      pool: s.pool, tier: s.tier,
      promised_p99_ms: s.promise.latencyP99Ms?.toFixed() ?? null, p99_ms: s.measure.p99Ms?.toFixed() ?? null,
      promised_availability_pct: s.promise.availabilityPct?.toFixed() ?? null, availability_pct: s.outcome.availabilityPct?.toFixed() ?? null,
      ok_requests: s.measure.okRequests.toString(), failed_requests: s.measure.errorRequests.toString(),
      requests_without_latency: s.measure.withoutLatency.toString(), credit_pct: s.outcome.creditPct.toFixed(), credit: formatAmount(s.credit),
    })),
  }),
};
