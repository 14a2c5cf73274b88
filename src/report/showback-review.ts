import type { UnitCost } from '../domain/attribution.js';
import type { BudgetStanding, Driver, ShowbackReport } from '../domain/showback.js';
import type { TrendMonth } from '../domain/trend.js';
import { utilisation } from '../domain/billing-summary.js';
import type { CentreNames } from './centre-colours.js';
import { budgetBarsSpec, monthlyLinesSpec, monthlyStackSpec, PALETTE, type MonthPoint } from './charts.js';
import { esc, figure, money, num, pct, signed, unitPrice } from './html-parts.js';

/**
 * The parts of the report a monthly review reads (issue 33): spend over the months with each
 * centre's budget, unit cost over time, budgets, variances, the organisation's largest
 * drivers, unallocated cost and commitments. Every figure is printed from a stored run's Decimal text.
 */

const booksOf = (m: TrendMonth) => (m.runId === null ? 'no books' : `run ${m.runId}${m.closed ? ', closed' : ', open'}`);

/** Spend per month stacked by centre, and each budgeted centre's spend against its budget line. */
export async function trendSection(report: ShowbackReport, trend: readonly TrendMonth[], names: CentreNames): Promise<string> {
  const months = trend.map((m) => m.month);
  const ordered = [...new Set(trend.flatMap((m) => [...m.byCentre.keys()]))].sort((a, b) => names.scale.domain.indexOf(names.label(a)) - names.scale.domain.indexOf(names.label(b)));
  const stack: MonthPoint[] = trend.flatMap((m) => ordered.map((c, order) => ({ month: m.month, series: names.label(c), value: m.byCentre.has(c) ? num(m.byCentre.get(c)!) : null, order })));
  const gaps = trend.filter((m) => m.runId === null).map((m) => m.month);
  const described = (what: string) => `${what}, ${months[0]} to ${months[months.length - 1]}. ` +
    trend.filter((m) => m.runId !== null).map((m) => `${m.month}: ${money(m.total!)} (${ordered.filter((c) => m.byCentre.has(c)).map((c) => `${names.label(c)} ${money(m.byCentre.get(c)!)}`).join(', ')})`).join('; ') +
    (gaps.length ? `. No books for ${gaps.join(', ')}.` : '.');
  const stacked = monthlyStackSpec(stack, months, names.scale, described(`Spend per month by cost centre, ${report.run.currency}`));
  // A row per centre and six months to a table: a printed page holds every column, and a short trend few rows.
  const spans = Array.from({ length: Math.ceil(trend.length / 6) }, (_, i) => trend.slice(i * 6, i * 6 + 6));
  const table = spans.map((span) => {
    const head = `<tr><th scope="col">cost centre</th>${span.map((m) => `<th scope="col" class="num">${m.month}<br><span class="of">${booksOf(m)}</span></th>`).join('')}</tr>`;
    const body = ordered.map((c) => `<tr><th scope="row">${esc(names.label(c))}</th>${span.map((m) => `<td class="num"${m.byCentre.has(c) ? ` data-trend="${esc(`${m.month}|${c}`)}" data-amount="${m.byCentre.get(c)!.toFixed(2)}"` : ''}>` +
      `${m.byCentre.has(c) ? money(m.byCentre.get(c)!) : m.runId === null ? '—' : ''}${budgetNote(m, c)}</td>`).join('')}</tr>`).join('\n');
    const total = `<tr><th scope="row">total</th>${span.map((m) => `<td class="num"${m.total ? ` data-trend-total="${m.month}" data-amount="${m.total.toFixed(2)}"` : ''}>${m.total ? money(m.total) : '—'}</td>`).join('')}</tr>`;
    return `<table class="compact"><thead>${head}</thead><tbody>${body}</tbody><tfoot>${total}</tfoot></table>`;
  }).join('\n');
  return `<section aria-label="Trend"><h2>Spend over ${trend.length} month${trend.length === 1 ? '' : 's'}</h2>
<p class="explain">Each month's books: the closed run as adjusted since, or an open month's latest run, as stored. A month without a run is a gap, never a zero. In the table, a budgeted centre's budget follows its spend.</p>
${await figure('trend', `Spend per month by cost centre, ${esc(report.run.currency)}`, stacked, table)}
</section>`;
}

const budgetNote = (m: TrendMonth, centre: string) => (m.budgets.has(centre) && m.byCentre.has(centre) ? ` <span class="of">of ${money(m.budgets.get(centre)!)}</span>` : '');

async function budgetTrend(trend: readonly TrendMonth[], months: string[], budgeted: readonly string[], names: CentreNames, currency: string): Promise<string> {
  const points = trend.flatMap((m) => budgeted.flatMap((c) => [
    { month: m.month, series: names.label(c), value: m.byCentre.has(c) ? num(m.byCentre.get(c)!) : null },
    { month: m.month, series: names.label(c), value: m.budgets.has(c) ? num(m.budgets.get(c)!) : null, dashed: true },
  ]));
  const description = `Spend of each budgeted cost centre per month (solid) against its budget (dashed, same colour): ` +
    budgeted.map((c) => `${names.label(c)}: ${trend.filter((m) => m.byCentre.has(c)).map((m) => `${m.month} ${money(m.byCentre.get(c)!)}${m.budgets.has(c) ? ` of ${money(m.budgets.get(c)!)}` : ''}`).join(', ')}`).join('; ') + '.';
  const scale = { domain: budgeted.map(names.label), range: budgeted.map(names.colour) };
  return figure('budget-trend', `Each budgeted centre against its budget (dashed), ${esc(currency)}`, monthlyLinesSpec(points, months, scale, `amount (${currency})`, ',.0f', description), '');
}

/** Cost per 1M tokens over the months, overall and by model; per request by model and by the `--by` tag, as a table. */
export async function unitTrendSection(report: ShowbackReport, trend: readonly TrendMonth[]): Promise<string> {
  const months = trend.map((m) => m.month);
  const priced = trend.filter((m) => m.units !== null);
  if (priced.length === 0) return '';
  const models = [...new Set(priced.flatMap((m) => m.units!.byModel.filter((u) => u.perMillionTokens !== null).map((u) => u.key)))].sort();
  const series = ['all models', ...models];
  const at = (m: TrendMonth, key: string) => (key === 'all models' ? m.units?.overall : m.units?.byModel.find((u) => u.key === key));
  const points = trend.flatMap((m) => series.map((key) => ({ month: m.month, series: key, value: at(m, key)?.perMillionTokens ? num(at(m, key)!.perMillionTokens!) : null })));
  const scale = { domain: series, range: series.map((_, i) => (i === 0 ? '#1a1a1a' : PALETTE[(i - 1) % (PALETTE.length - 1)]!)) };
  const description = `Cost per 1M tokens per month, overall and by model: ${series.map((key) => `${key} ${trend.filter((m) => at(m, key)?.perMillionTokens).map((m) => `${m.month} ${at(m, key)!.perMillionTokens!.toSignificantDigits(4).toFixed()}`).join(', ')}`).join('; ')}.`;
  const spec = monthlyLinesSpec(points, months, scale, `cost per 1M tokens (${report.run.currency})`, ',.4~r', description);
  const rows = (span: readonly TrendMonth[]) => (key: string, pick: (m: TrendMonth) => UnitCost | undefined) => `<tr><th scope="row">${esc(key)}</th>${span.map((m) => {
    const u = pick(m);
    return `<td class="num">${u?.perRequest ? unitPrice(u.perRequest) : '—'}</td>`;
  }).join('')}</tr>`;
  // Six months to a table: a printed page holds every column.
  const spans = Array.from({ length: Math.ceil(trend.length / 6) }, (_, i) => trend.slice(i * 6, i * 6 + 6));
  const tagKeys = report.byTag === null ? [] : [...new Set(priced.flatMap((m) => (m.units!.byTag ?? []).map((u) => u.key)))].sort();
  const table = spans.map((span) => {
    const row = rows(span);
    const head = `<tr><th scope="col">cost per request</th>${span.map((m) => `<th scope="col" class="num">${m.month}</th>`).join('')}</tr>`;
    const body = [row('all models', (m) => m.units?.overall), ...models.map((key) => row(key, (m) => at(m, key))),
      ...tagKeys.map((key) => row(`${report.byTag!.tag} = ${key}`, (m) => m.units?.byTag?.find((u) => u.key === key)))];
    return `<table class="compact"><thead>${head}</thead><tbody>${body.join('\n')}</tbody></table>`;
  }).join('\n');
  return `<section aria-label="Unit cost over time"><h2>Unit cost over time</h2>
${await figure('unit-trend', `Cost per 1M tokens by month, ${esc(report.run.currency)}`, spec, table)}
</section>`;
}

/** Each budgeted centre: spent, forecast and budget, farthest over first; then each one's spend against its budget over the months. */
export async function budgetsSection(report: ShowbackReport, trend: readonly TrendMonth[], names: CentreNames): Promise<string> {
  if (report.budgets.length === 0) return '';
  const budgeted = [...new Set(trend.flatMap((m) => [...m.budgets.keys()]))].filter((c) => trend.some((m) => m.byCentre.has(c)));
  const lines = trend.length < 2 || budgeted.length === 0 ? '' : await budgetTrend(trend, trend.map((m) => m.month), budgeted, names, report.run.currency);
  const rows = report.budgets.map((b) => ({ centre: names.label(b.costCentre), spent: num(b.spent), budget: num(b.budget) }));
  const description = `Each budgeted cost centre's spend against its budget, farthest over first: ${report.budgets.map((b) => `${names.label(b.costCentre)} ${money(b.spent)} of ${money(b.budget)}${b.forecast ? `, forecast ${money(b.forecast)}` : ''}`).join('; ')}.`;
  const spec = budgetBarsSpec(rows, { domain: report.budgets.map((b) => names.label(b.costCentre)), range: report.budgets.map((b) => names.colour(b.costCentre)) }, description);
  const forecasting = report.budgets.some((b) => b.forecast !== null);
  const body = report.budgets.map((b) => `<tr><th scope="row">${esc(names.label(b.costCentre))}</th><td class="num" data-budget-spent="${esc(b.costCentre)}" data-amount="${b.spent.toFixed(2)}">${money(b.spent)}</td>` +
    `${forecasting ? `<td class="num">${b.forecast ? money(b.forecast) : ''}</td>` : ''}<td class="num">${money(b.budget)}</td><td class="num">${standing(b)}</td></tr>`).join('\n');
  const table = `<table><thead><tr><th scope="col">cost centre</th><th scope="col" class="num">spent</th>${forecasting ? '<th scope="col" class="num">forecast</th>' : ''}<th scope="col" class="num">budget</th><th scope="col" class="num">${forecasting ? 'forecast' : 'spent'} of budget</th></tr></thead><tbody>${body}</tbody></table>`;
  return `<section aria-label="Budgets"><h2>Budgets by cost centre</h2>
${await figure('budgets', `Spend against budget by cost centre, ${esc(report.run.currency)}`, spec, table)}
${lines}
</section>`;
}

/** "112.4% · 994.00 over", by the forecast while the month is open. */
export function standing(b: BudgetStanding): string {
  const basis = b.forecast ?? b.spent;
  const over = basis.minus(b.budget);
  const share = pct(basis, b.budget);
  return over.greaterThan(0) ? `<span class="over">${share} · ${money(over)} over</span>` : `${share} · ${money(over.negated())} left`;
}

/** The organisation's top models, users or keys, and `--by` tag values by cost, with their centres. */
export function driversSection(report: ShowbackReport, names: CentreNames): string {
  const list = (title: string, drivers: readonly Driver[]) => `<div><h3>${title}</h3>${drivers.length === 0 ? '<p class="explain">none by usage</p>'
    : `<ol>${drivers.map((d) => `<li>${esc(d.key)} <span class="num">${money(d.amount)}</span><br><span class="centres">${d.centres.map((c) => esc(names.label(c))).join(', ')}</span></li>`).join('')}</ol>`}</div>`;
  const { drivers } = report;
  return `<section aria-label="Top drivers"><h2>Top drivers across the organisation</h2>
<p class="explain">The cost of usage-driven lines shared out by the usage behind each line, to the cent; each with the centres it is charged to, largest first.</p>
<div class="tops">${list('Models', drivers.models)}${list('Users or keys', drivers.identities)}${drivers.tags ? list(`By ${esc(report.byTag?.tag ?? 'tag')}`, drivers.tags) : ''}</div>
</section>`;
}

/**
 * The monthly review's agenda: each centre and pool against last month's books and the
 * forecast made mid-month; changes over the card's threshold first, with what moved them.
 */
export function variancesSection(report: ShowbackReport, names: CentreNames): string {
  const rows = report.variances;
  if (rows.length === 0 || (report.previous === null && rows.every((v) => v.forecast === null))) {
    return `<section aria-label="Variances"><h2>Variances</h2><p class="explain">No books for last month and no run made mid-month: nothing to hold this month to.</p></section>`;
  }
  const forecasting = rows.some((v) => v.forecast !== null);
  const notable = rows.filter((v) => v.notable).length;
  const threshold = `${report.variance.pct.toFixed()}%${report.variance.amount.isZero() ? '' : ` and ${money(report.variance.amount)}`}`;
  const body = rows.map((v) => `<tr${v.notable ? ' class="notable"' : ''}><td>${esc(names.label(v.costCentre))}</td><td>${esc(v.pool)}</td>` +
    `<td class="num" data-variance="${esc(`${v.costCentre}|${v.pool}`)}" data-amount="${v.amount.toFixed(2)}" data-previous="${v.previous?.toFixed(2) ?? ''}" data-change="${v.change?.toFixed(2) ?? ''}">${money(v.amount)}</td>` +
    `<td class="num">${v.previous === null ? '—' : money(v.previous)}</td><td class="num">${v.change === null ? '' : signed(v.change)}</td><td class="num">${v.changePct === null ? (v.change && !v.change.isZero() ? 'new' : '') : `${v.changePct.toFixed(1)}%`}</td>` +
    `${forecasting ? `<td class="num">${v.forecast === null ? '' : money(v.forecast)}</td><td class="num">${v.forecast === null ? '' : signed(v.amount.minus(v.forecast))}</td>` : ''}` +
    `<td>${v.driver ? `${esc(v.driver.axis)} <strong>${esc(v.driver.key)}</strong> ${signed(v.driver.change)}` : ''}</td></tr>`).join('\n');
  return `<section aria-label="Variances"><h2>Variances: the review's agenda</h2>
<p class="explain">Each centre and pool against ${report.previous ? `${esc(report.previous.month)}'s books (run ${report.previous.runId})` : 'last month (no books)'}${forecasting ? ' and the forecast made mid-month' : ''}. ${notable} change${notable === 1 ? '' : 's'} of at least ${threshold} (the card's <code>variances</code>) come first, each with the model, user or key${report.byTag ? ` or ${esc(report.byTag.tag)} value` : ''} that moved it most.</p>
<table class="compact"><thead><tr><th scope="col">cost centre</th><th scope="col">pool</th><th scope="col" class="num">this month</th><th scope="col" class="num">last month</th><th scope="col" class="num">change</th><th scope="col" class="num">%</th>${forecasting ? '<th scope="col" class="num">mid-month forecast</th><th scope="col" class="num">against it</th>' : ''}<th scope="col">main driver</th></tr></thead>
<tbody>${body}</tbody></table></section>`;
}

/** What is unallocated, and why: unmatched users or keys with their cost, idle per pool, unmatched billing. */
export function unallocatedSection(report: ShowbackReport, names: CentreNames): string {
  const u = report.unallocated;
  if (u === null || u.total.isZero() && u.idle.length === 0) return '';
  const table = (head: string[], rows: string[][]) => rows.length === 0 ? '' : `<table class="compact"><thead><tr>${head.map((h, i) => `<th scope="col"${i === head.length - 1 ? ' class="num"' : ''}>${h}</th>`).join('')}</tr></thead>` +
    `<tbody>${rows.map((r) => `<tr>${r.map((c, i) => `<td${i === r.length - 1 ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;
  const identities = table(['user or key that matched no cost centre', 'cost'], [
    ...u.identities.map(([key, amount]) => [esc(key), money(amount)]),
    ...(u.rest.isZero() ? [] : [['<em>all other unmatched usage</em>', money(u.rest)]]),
  ]);
  const idle = table(['pool', 'idle capacity charged to', 'amount'], u.idle.map((l) => [esc(l.pool), esc(names.label(l.costCentre)), money(l.amount)]));
  const billing = table(['pool', 'billing that matched no owner'], u.billing.map((l) => [esc(l.pool), money(l.amount)]));
  const other = table(['pool', 'method', 'other unallocated cost'], u.other.map((l) => [esc(l.pool), esc(l.method), money(l.amount)]));
  return `<section aria-label="Unallocated"><h2>Unallocated, explained</h2>
<p class="explain"><span data-unallocated-total data-amount="${u.total.toFixed(2)}">${money(u.total)}</span> ${esc(report.run.currency)} sits with ${esc(names.label(u.centre))} or as idle capacity. Usage lands there when its user, key, team or project matches no centre's <code>match</code> in the card: add a rule for the identities below to a centre's <code>match</code> and compute again.</p>
${identities}${idle}${billing}${other}</section>`;
}

/** Each commitment the bills mark, per month: its cost, used and unused, and utilisation. Empty without any. */
export function commitmentsSection(trend: readonly TrendMonth[]): string {
  const rows = trend.flatMap((m) => (m.commitments ?? []).map((c) => ({ month: m.month, c })));
  if (rows.length === 0) return '';
  rows.sort((a, b) => (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : a.month < b.month ? -1 : 1));
  const body = rows.map(({ month, c }) => {
    const rate = utilisation(c);
    return `<tr><td>${esc(c.id)}</td><td>${month}</td><td class="num" data-commitment="${esc(`${month}|${c.id}|${c.currency}`)}" data-used="${c.used.toFixed(2)}" data-unused="${c.unused.toFixed(2)}">` +
      `${money(c.used.plus(c.unused))} ${esc(c.currency)}</td><td class="num">${money(c.used)}</td><td class="num">${money(c.unused)}</td>` +
      `<td class="num${rate !== null && rate.lessThan(80) ? ' over' : ''}">${rate === null ? '—' : `${rate.toFixed(1)}%`}</td></tr>`;
  }).join('\n');
  return `<section aria-label="Commitments"><h2>Commitments</h2>
<p class="explain">Reservations and Savings Plans (FOCUS <code>CommitmentDiscountId</code>, CUR ARNs) as the bills mark them: effective cost used by the usage they covered, and left unused, prorated to each month; utilisation is used of the two. Below 80% is marked.</p>
<table class="compact"><thead><tr><th scope="col">commitment</th><th scope="col">month</th><th scope="col" class="num">cost</th><th scope="col" class="num">used</th><th scope="col" class="num">unused</th><th scope="col" class="num">utilisation</th></tr></thead>
<tbody>${body}</tbody></table></section>`;
}
