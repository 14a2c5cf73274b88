import type { GpuSummaryRow } from '../domain/gpu.js';
import type { Attributed, UnitCost } from '../domain/attribution.js';
import { formatPct } from '../domain/slo.js';
import type { CentreReport, ShowbackReport } from '../domain/showback.js';
import { formatAmount, formatQuantity, sum, type Decimal } from '../domain/money.js';
import type { StatementLine } from '../domain/types.js';
import { grouped, optionalQuantity, readable } from './cells.js';
import type { TrendMonth } from '../domain/trend.js';
import { centreNames, type CentreNames } from './centre-colours.js';
import { barsSpec, costByCentreSpec, dailySpendSpec, IDLE, PALETTE, POOL_PALETTE, UNALLOCATED, UNKNOWN, type DayPoint, type Segment } from './charts.js';
import { esc, figure, money, num, pct, signed, unitPrice } from './html-parts.js';
import { budgetsSection, commitmentsSection, driversSection, standing, trendSection, unallocatedSection, unitTrendSection, variancesSection } from './showback-review.js';
import { lineAsText } from './explain.js';

/**
 * The showback report as one self-contained HTML file (issue 19): inline CSS, charts as inline
 * SVG, no script, no font or image fetched (a Content-Security-Policy forbids every request),
 * so it opens offline from a mail attachment and prints one cost centre per page. Every
 * figure is printed from the stored run's Decimal text; each statement amount carries a
 * `data-amount` so a test can hold the page to `statement --format json`.
 */
export interface ShowbackPage {
  report: ShowbackReport;
  /** The months of books ending at the report's month, oldest first (issue 33). */
  trend: readonly TrendMonth[];
  /** The tool writing the page (the run names the one that computed it). */
  toolVersion: string;
  unallocated: string;
  pools: readonly string[];
}

/** Writes the page; async because Vega draws the charts. */
export async function showbackAsHtml(page: ShowbackPage): Promise<string> {
  const { report } = page;
  const { run } = report;
  const title = `Showback ${run.month}${report.centres.length === 1 ? ` — ${report.centres[0]!.explanation.costCentre}` : ''}`;
  const names = centreNames(report, page.trend, page.unallocated);
  // The first printed page: the tiles, the trend and cost by centre (issue 33).
  const sections = [
    tiles(page, names),
    await trendSection(report, page.trend, names),
    await costByCentre(page, names),
    await budgetsSection(report, page.trend, names),
    variancesSection(report, names),
    driversSection(report, names),
    unallocatedSection(report, names),
    commitmentsSection(page.trend),
    adjustments(page),
    listAgainstInvoice(page),
    await dailySpend(page, names),
    await unitEconomics(page),
    await unitTrendSection(report, page.trend),
    await gpu(page),
    ...report.centres.map((c) => centrePage(page, c, names)),
    provenance(page),
  ];
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="chargeback ${esc(page.toolVersion)}">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<header><h1>${esc(title)}</h1><p class="sub">${esc(run.currency)} · run ${run.id} · ${report.closed ? `closed books` : 'open month'} · computed ${esc(run.createdAt)}</p></header>
<main>
${sections.join('\n')}
</main>
</body>
</html>
`;
}

function tiles({ report }: ShowbackPage, names: CentreNames): string {
  const { run } = report;
  const previous = report.previous
    ? [`Against ${esc(report.previous.month)}`, signed(report.total.minus(report.previous.total)), `${pct(report.total.minus(report.previous.total), report.previous.total) || 'no spend'} on ${money(report.previous.total)} (run ${report.previous.runId})`]
    : ['Against last month', '—', 'no books for the month before'];
  const over = report.budget !== null && report.budget.spent.greaterThan(report.budget.budgeted);
  // Who is over, by name: a combined percentage hides it (issue 33).
  const overBudget = report.budgets.filter((b) => (b.forecast ?? b.spent).greaterThan(b.budget));
  const who = overBudget.length === 0 ? `every budgeted centre within its budget${report.forecast ? ' by forecast' : ''}`
    : `${report.forecast ? 'forecast over' : 'over'}: ${overBudget.map((b) => `${esc(names.label(b.costCentre))} ${pct(b.forecast ?? b.spent, b.budget)}`).join(', ')}`;
  const budget = report.budget
    ? ['Against budget', `<span${over ? ' class="over"' : ''}>${pct(report.budget.spent, report.budget.budgeted)}</span>`, `${money(report.budget.spent)} of ${money(report.budget.budgeted)}; ${who}`]
    : ['Against budget', '—', 'the rate card sets no budget'];
  const forecast = report.forecast
    ? ['Month-end forecast', money(report.forecast), `from usage up to ${esc(run.createdAt)}`]
    : ['Month-end forecast', report.closed ? 'closed' : 'complete', report.closed ? `the books are run ${run.id}` : 'the run covers the whole month'];
  const tile = ([label, value, note]: string[], attrs = '') => `<div class="tile"${attrs}><div class="label">${label}</div><div class="value">${value}</div><div class="note">${note}</div></div>`;
  return `<section class="tiles" aria-label="Headline figures">
${tile(['Month total', money(report.total), `${esc(run.currency)}, ${report.lines.length} lines`], ` data-total="${formatAmount(report.total)}"`)}
${tile(previous)}
${tile(budget)}
${tile(forecast)}
</section>`;
}

/**
 * The runs that adjust these books since (issue 28): each run's change per centre against the
 * run before it, and the total once every adjustment is posted; and what later data the
 * books do not hold. Empty when there is neither.
 */
function adjustments({ report, unallocated }: ShowbackPage): string {
  const note = report.note ? `<p class="explain" data-later-note>${esc(report.note.replace(/^note: /, ''))}</p>` : '';
  const shown = report.adjustments;
  if (!shown) return note === '' ? '' : `<section aria-label="Later data"><h2>Not in these books</h2>${note}</section>`;
  const rows = shown.runs.flatMap((r) => (r.byCentre.length === 0 ? [{ r, centre: '—', amount: '0.00' }] : r.byCentre.map((a) => ({ r, centre: a.costCentre === unallocated ? `${a.costCentre} (unallocated)` : a.costCentre, amount: signed(a.amount) }))))
    .map(({ r, centre, amount }) => `<tr><td>run ${r.runId}</td><td>against run ${r.againstRunId}</td><td>${esc(r.createdAt)}</td><td>${esc(centre)}</td><td class="num">${amount}</td></tr>`).join('');
  return `<section aria-label="Adjustments"><h2>Adjustments since these books</h2>
<p class="explain">Run ${report.run.id} is the books; ${shown.runs.length} later run${shown.runs.length === 1 ? '' : 's'} adjust${shown.runs.length === 1 ? 's' : ''} them. Posted with <code>export erp --adjustments</code>, the month comes to <strong data-adjusted-total="${formatAmount(shown.adjustedTotal)}">${money(shown.adjustedTotal)} ${esc(report.run.currency)}</strong> (${signed(shown.adjustedTotal.minus(report.total))}).</p>
<table><thead><tr><th scope="col">run</th><th scope="col">adjusts</th><th scope="col">computed</th><th scope="col">cost centre</th><th scope="col" class="num">Δ</th></tr></thead><tbody>${rows}</tbody></table>
${note}</section>`;
}

const segmentOf = (line: StatementLine, unallocated: string) => (line.method === 'idle' ? 'idle' : line.costCentre === unallocated ? 'unallocated' : line.pool);
const centreLabel = (c: CentreReport, names: CentreNames) => names.label(c.explanation.costCentre);

async function costByCentre({ report, unallocated, pools }: ShowbackPage, names: CentreNames): Promise<string> {
  const segments = [...pools.filter((p) => report.lines.some((l) => segmentOf(l, unallocated) === p)), 'idle', 'unallocated']
    .filter((s) => report.lines.some((l) => segmentOf(l, unallocated) === s));
  // A pool keeps its colour whichever pools the month has: its place in the card.
  const colours = { domain: segments, range: segments.map((s) => (s === 'idle' ? IDLE : s === 'unallocated' ? UNALLOCATED : POOL_PALETTE[pools.indexOf(s) % POOL_PALETTE.length]!)) };
  const cell = (c: CentreReport, segment: string) => sum(c.explanation.lines.filter((e) => segmentOf(e.line, unallocated) === segment).map((e) => e.line.amount));
  const rows: Segment[] = report.centres.flatMap((c) => segments.map((segment, order) => ({ centre: centreLabel(c, names), segment, amount: num(cell(c, segment)), order })));
  const description = `Cost by cost centre for ${report.run.month}, stacked by pool, with idle and unallocated cost as their own segments. ` +
    report.centres.map((c) => `${centreLabel(c, names)}: ${money(c.explanation.total)}`).join('; ');
  const spec = costByCentreSpec(rows, colours, description);
  // Long, not wide: a row per centre and segment fits a printed page whatever the number of pools.
  const body = report.centres.map((c) => {
    const parts = segments.filter((segment) => !cell(c, segment).isZero()).map((segment) =>
      `<tr><td>${esc(c.explanation.costCentre)}</td><td>${esc(segment)}</td><td class="num">${money(cell(c, segment))}</td><td class="num">${pct(cell(c, segment), c.explanation.total)}</td></tr>`);
    const total = `<tr class="subtotal"><th scope="row" colspan="2">${esc(centreLabel(c, names))}</th><td class="num" data-centre-total="${esc(c.explanation.costCentre)}" data-amount="${formatAmount(c.explanation.total)}">${money(c.explanation.total)}</td>` +
      `<td class="num">${pct(c.explanation.total, report.total)} of all</td></tr>`;
    return [...parts, total].join('\n');
  }).join('\n');
  // On screen only: on paper, each centre's page has the same amounts.
  const table = `<table class="screen"><thead><tr><th scope="col">cost centre</th><th scope="col">pool</th><th scope="col" class="num">amount</th><th scope="col" class="num">share</th></tr></thead>` +
    `<tbody>${body}</tbody><tfoot><tr><th scope="row" colspan="2">all</th><td class="num">${money(report.total)}</td><td class="num">100.0%</td></tr></tfoot></table>`;
  return `<section><h2>Cost by cost centre</h2>
${await figure('cost-by-centre', `Cost by cost centre, ${esc(report.run.currency)}`, spec, table)}
</section>`;
}

/** Every day of the month (and any edge day the card's zone adds), in order. */
function daysOf(month: string, centres: readonly CentreReport[]): string[] {
  const [year, m] = month.split('-').map(Number) as [number, number];
  const count = new Date(Date.UTC(year, m, 0)).getUTCDate();
  const all = Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`);
  return [...new Set([...all, ...centres.flatMap((c) => [...c.daily.byKey.keys()])])].sort();
}

async function dailySpend({ report }: ShowbackPage, names: CentreNames): Promise<string> {
  const days = daysOf(report.run.month, report.centres);
  const at = (c: CentreReport, day: string) => c.daily.byKey.get(day);
  const points: DayPoint[] = report.centres.flatMap((c) => days.map((day) => ({ day, centre: centreLabel(c, names), amount: num(at(c, day) ?? formatZero) })));
  const anomalies: DayPoint[] = report.centres.flatMap((c) => c.anomalyDays.map((day) => ({ day, centre: centreLabel(c, names), amount: num(at(c, day) ?? formatZero) })));
  const shown = report.centres.map((c) => c.explanation.costCentre);
  const colours = { domain: shown.map(names.label), range: shown.map(names.colour) };
  const description = `Daily spend per cost centre in ${report.run.month} (${shown.map(names.label).join(', ')}), from the cost of usage-driven lines attributed to the days of the usage behind them; ` +
    `${anomalies.length} anomaly day${anomalies.length === 1 ? '' : 's'} marked${anomalies.length ? `: ${anomalies.map((a) => `${a.centre} on ${a.day}`).join(', ')}` : ''}.`;
  const spec = dailySpendSpec(points, anomalies, colours, description);
  // Six centres to a table, so that a printed page holds every column.
  const groups = Array.from({ length: Math.ceil(report.centres.length / 6) }, (_, i) => report.centres.slice(i * 6, i * 6 + 6));
  const tables = groups.map((group) => {
    const head = `<tr><th scope="col">day</th>${group.map((c) => `<th scope="col" class="num">${esc(centreLabel(c, names))}</th>`).join('')}</tr>`;
    const body = days.map((day) => `<tr><th scope="row">${day}</th>${group.map((c) => {
      const anomaly = c.anomalyDays.includes(day);
      return `<td class="num${anomaly ? ' anomaly' : ''}">${money(at(c, day) ?? formatZero)}${anomaly ? ' <abbr title="anomaly: see the list below">▼</abbr>' : ''}</td>`;
    }).join('')}</tr>`).join('\n');
    const notByDay = `<tr><th scope="row">not by day</th>${group.map((c) => `<td class="num">${money(c.daily.unattributed)}</td>`).join('')}</tr>`;
    // On screen only: on paper the chart and its anomaly marks stand for a month of rows.
    return `<table class="compact screen"><thead>${head}</thead><tbody>${body}</tbody><tfoot>${notByDay}</tfoot></table>`;
  }).join('\n');
  const listed = report.anomalies.map((a) => `<tr><td>${a.day}</td><td>${esc(names.label(a.costCentre))}</td><td class="num">${a.measure === 'cost' ? money(a.value) : `${grouped(a.value.toFixed())} tokens`}</td>` +
    `<td class="num">${a.measure === 'cost' ? money(a.trailingMedian) : grouped(a.trailingMedian.toFixed())}</td><td class="num">${a.ratio.toFixed()}×</td>` +
    `<td>${a.driver ? `${esc(a.driver.axis)} <strong>${esc(a.driver.key)}</strong> +${money(a.driver.amount)}` : ''}</td></tr>`).join('\n');
  const anomalyTable = listed === '' ? '' : `<h3>Anomalies</h3><table class="compact"><thead><tr><th scope="col">day</th><th scope="col">cost centre</th><th scope="col" class="num">that day</th>` +
    `<th scope="col" class="num">median before</th><th scope="col" class="num">ratio</th><th scope="col">main driver</th></tr></thead><tbody>${listed}</tbody></table>`;
  return `<section><h2>Daily spend per cost centre</h2>
<p class="explain">A day's spend is the cost of the centre's usage-driven lines shared out by the usage of that day (to the cent, largest remainder). Lines with no usage behind them by day (a hybrid's fixed share, GPU hours, idle, flat charges) are the "not by day" row. ▼ marks the anomaly days <code>compute</code> warns of: a day's cost at the card's <code>anomalies</code> factor (3 unless set) × the median of the days before, each listed below with what moved it most.</p>
${await figure('daily-spend', 'Daily spend per cost centre', spec, tables)}
${anomalyTable}
</section>`;
}

const formatZero = sum([]);

function unitTable(rows: readonly UnitCost[], keyHead: string, overall?: UnitCost): string {
  const row = (u: UnitCost, th = false) => `<tr>${th ? `<th scope="row">${esc(u.key)}</th>` : `<td>${esc(u.key)}</td>`}<td class="num">${grouped(formatQuantity(u.requests))}</td><td class="num">${grouped(formatQuantity(u.tokens))}</td>` +
    `<td class="num">${money(u.cost)}</td><td class="num">${u.perRequest === null ? '—' : unitPrice(u.perRequest)}</td><td class="num">${u.perMillionTokens === null ? '—' : unitPrice(u.perMillionTokens)}</td></tr>`;
  return `<table><thead><tr><th scope="col">${keyHead}</th><th scope="col" class="num">requests</th><th scope="col" class="num">tokens</th><th scope="col" class="num">cost</th>` +
    `<th scope="col" class="num">per request</th><th scope="col" class="num">per 1M tokens</th></tr></thead><tbody>${rows.map((r) => row(r)).join('\n')}</tbody>` +
    `${overall ? `<tfoot>${row({ ...overall, key: 'all usage' }, true)}</tfoot>` : ''}</table>`;
}

async function unitEconomics({ report }: ShowbackPage): Promise<string> {
  const priced = report.byModel.filter((u) => u.perMillionTokens !== null);
  const description = `Cost per 1M tokens by model: ${priced.map((u) => `${u.key} ${readable(u.perMillionTokens!)}`).join('; ') || 'no token usage'}.`;
  const spec = barsSpec(priced.map((u) => ({ key: u.key, value: num(u.perMillionTokens!) })), `cost per 1M tokens (${report.run.currency})`, description);
  const tag = report.byTag
    ? `<h3>Cost per request by ${esc(report.byTag.tag)}</h3>${unitTable(report.byTag.rows, esc(report.byTag.tag))}`
    : '<p class="explain">Name a use-case tag with <code>--by tag.NAME</code> (for example <code>--by tag.feature</code>) to price each feature per request; <code>explain --by tag.NAME</code> gives the same table as CSV or JSON.</p>';
  return `<section><h2>Unit economics</h2>
<p class="explain">The cost of usage-driven lines, shared out by model (and by tag) in proportion to the driver quantity behind each line, over the requests and tokens of that model. ${money(report.unattributed)} of ${money(report.total)} has no usage behind it by model (hybrid shares, GPU hours, idle, flat charges) and is in no row.</p>
${await figure('unit-costs', `Cost per 1M tokens by model, ${esc(report.run.currency)}`, spec, unitTable(report.byModel, 'model', report.overall))}
${tag}
</section>`;
}

/** GPU-hour lines by centre: what each centre was charged for its GPU time. */
function gpuByCentre(lines: readonly StatementLine[]): string {
  const gpuLines = lines.filter((l) => l.driver.startsWith('gpu_'));
  if (gpuLines.length === 0) return '';
  const rows = gpuLines.map((l) => `<tr><td>${esc(l.costCentre)}</td><td>${esc(l.pool)}</td><td>${esc(l.method)}</td><td>${esc(l.driver)}</td>` +
    `<td class="num">${l.quantity === null ? '' : grouped(l.quantity.toDecimalPlaces(4).toFixed())}</td><td class="num">${money(l.amount)}</td></tr>`).join('\n');
  return `<h3>GPU hours by cost centre</h3><table><thead><tr><th scope="col">cost centre</th><th scope="col">pool</th><th scope="col">method</th><th scope="col">driver</th>` +
    `<th scope="col" class="num">hours</th><th scope="col" class="num">amount</th></tr></thead><tbody>${rows}</tbody></table>`;
}

async function gpu({ report }: ShowbackPage): Promise<string> {
  if (report.gpu.length === 0) return `<section><h2>GPU</h2><p class="explain">No GPU telemetry in the ledger for the month.</p>${gpuByCentre(report.lines)}</section>`;
  const hours = (d: Decimal) => grouped(d.toDecimalPlaces(2).toFixed(2));
  // Hours whose busyness no sample reported (MIG mode) are unknown: neither busy nor idle.
  const unknown = report.gpu.some((g) => !g.unmeasuredHours.isZero());
  const idle = (g: GpuSummaryRow) => g.hours.minus(g.busyHours).minus(g.unmeasuredHours);
  const rows = report.gpu.flatMap((g) => [
    { key: `${g.host} ${g.gpu}`, part: 'busy', value: num(g.busyHours) },
    { key: `${g.host} ${g.gpu}`, part: 'idle', value: num(idle(g)) },
    ...(unknown ? [{ key: `${g.host} ${g.gpu}`, part: 'unknown', value: num(g.unmeasuredHours) }] : []),
  ]);
  const description = `GPU hours per host and GPU, busy and idle: ${report.gpu.map((g) => `${g.host} ${g.gpu} ${hours(g.busyHours)} busy of ${hours(g.hours)}` +
    (g.unmeasuredHours.isZero() ? '' : `, ${hours(g.unmeasuredHours)} of unknown busyness`)).join('; ')}.`;
  const parts = unknown ? { domain: ['busy', 'idle', 'unknown'], range: [PALETTE[0]!, IDLE, UNKNOWN] } : { domain: ['busy', 'idle'], range: [PALETTE[0]!, IDLE] };
  const spec = barsSpec(rows, 'hours', description, parts);
  const body = report.gpu.map((g) => `<tr><td>${esc(g.host)}</td><td>${esc(g.gpu)}</td><td class="num">${hours(g.hours)}</td><td class="num">${hours(g.ownedHours)}</td>` +
    `<td class="num">${hours(g.busyHours)}</td><td class="num">${hours(idle(g))}</td>${unknown ? `<td class="num">${hours(g.unmeasuredHours)}</td>` : ''}<td>${esc(g.owners.join(', '))}</td></tr>`).join('\n');
  return `<section><h2>GPU</h2>
${await figure('gpu-hours', 'GPU hours per host: busy and idle', spec, `<table><thead><tr><th scope="col">host</th><th scope="col">gpu</th><th scope="col" class="num">observed</th><th scope="col" class="num">owned</th><th scope="col" class="num">busy</th><th scope="col" class="num">idle</th>${unknown ? '<th scope="col" class="num">busy unknown</th>' : ''}<th scope="col">owners</th></tr></thead><tbody>${body}</tbody></table>`)}
${gpuByCentre(report.lines)}
</section>`;
}

function top(attributed: Attributed, count = 5): string {
  const entries = [...attributed.byKey].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1)).slice(0, count);
  return entries.length === 0 ? '<li>none by usage</li>' : entries.map(([k, v]) => `<li>${esc(k)} <span class="num">${money(v)}</span></li>`).join('');
}

function centrePage({ report }: ShowbackPage, c: CentreReport, names: CentreNames): string {
  const e = c.explanation;
  const rows = e.lines.map(({ line }) => `<tr><td>${esc(line.pool)}</td><td>${esc(line.method)}</td><td>${esc(line.driver)}</td><td class="num">${grouped(optionalQuantity(line.quantity))}</td>` +
    `<td class="num">${line.unitPrice === null ? '' : unitPrice(line.unitPrice)}</td>` +
    `<td class="num" data-line="${esc(`${line.costCentre}|${line.pool}|${line.method}`)}" data-amount="${formatAmount(line.amount)}">${money(line.amount)}</td></tr>`).join('\n');
  // Folded away, and left out of the printout: the page is the bill, the terms its working.
  const why = e.lines.map((l) => `<details><summary>${esc(`${l.line.pool} · ${l.line.method}`)}</summary><pre>${esc(lineAsText(l).join('\n'))}</pre></details>`).join('\n');
  const budget = report.budgets.find((b) => b.costCentre === e.costCentre);
  const against = budget ? `<p class="budget">Budget ${money(budget.budget)}: spent ${money(budget.spent)}${budget.forecast ? `, forecast ${money(budget.forecast)}` : ''} · ${standing(budget)}</p>` : '';
  const days = [...c.daily.byKey].sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1));
  // Issue 21: each promised tier the centre used, what was promised and delivered, and the credit.
  const levels = c.service.map((s) => `<tr><td>${esc(s.pool)}</td><td>${esc(s.tier)}</td>` +
    `<td class="num">${s.promise.latencyP99Ms === null ? '' : `≤ ${s.promise.latencyP99Ms.toFixed()} ms`}</td><td class="num">${s.measure.p99Ms === null ? '' : `${s.measure.p99Ms.toFixed()} ms`}</td>` +
    `<td class="num">${s.promise.availabilityPct === null ? '' : `≥ ${s.promise.availabilityPct.toFixed()}%`}</td><td class="num">${s.outcome.availabilityPct === null ? '' : `${formatPct(s.outcome.availabilityPct)}%`}</td>` +
    `<td class="num">${s.outcome.creditPct.toFixed()}%</td><td class="num">${money(s.credit.negated())}</td></tr>`);
  const service = levels.length === 0 ? '' : `<h3>Service levels</h3><table><thead><tr><th scope="col">pool</th><th scope="col">tier</th>` +
    `<th scope="col" class="num">promised p99</th><th scope="col" class="num">p99 (nearest rank)</th><th scope="col" class="num">promised availability</th>` +
    `<th scope="col" class="num">availability</th><th scope="col" class="num">credit</th><th scope="col" class="num">credited</th></tr></thead><tbody>${levels.join('')}</tbody></table>\n`;
  return `<section class="centre" aria-labelledby="centre-${esc(e.costCentre)}">
<h2 id="centre-${esc(e.costCentre)}"><span class="swatch" style="background:${names.colour(e.costCentre)}"></span>${esc(centreLabel(c, names))} <span class="amount">${money(e.total)} ${esc(report.run.currency)}</span></h2>
${against}<table><thead><tr><th scope="col">pool</th><th scope="col">method</th><th scope="col">driver</th><th scope="col" class="num">quantity</th><th scope="col" class="num">unit price</th><th scope="col" class="num">amount</th></tr></thead>
<tbody>${rows}</tbody><tfoot><tr><th scope="row" colspan="5">total</th><td class="num">${money(e.total)}</td></tr></tfoot></table>
<div class="tops">
<div><h3>Top models</h3><ol>${top(c.byModel)}</ol></div>
<div><h3>Top users or keys</h3><ol>${top({ byKey: c.byIdentity, unattributed: formatZero })}</ol></div>
<div><h3>Top days</h3><ol>${top({ byKey: new Map(days), unattributed: c.daily.unattributed })}</ol></div>
</div>
${service}<h3 class="screen">Each line, explained</h3>
${why}
</section>`;
}

/**
 * Each price list held to its invoice (issue 29): list price against the bill per provider,
 * and per model where the bill names models. Empty when no pool has both.
 */
function listAgainstInvoice({ report }: ShowbackPage): string {
  const pools = report.run.poolCosts.filter((p) => (p.list_against_invoice ?? []).length > 0);
  if (pools.length === 0) return '';
  const rows = pools.flatMap((p) => p.list_against_invoice!.map((r) => `<tr${r.model === undefined ? ' class="subtotal"' : ''}><td>${esc(p.pool)}</td><td>${esc(r.provider)}</td><td>${esc(r.model ?? 'all models')}</td>` +
    `<td class="num">${grouped(r.list)}</td><td class="num">${grouped(r.invoice)}</td><td class="num">${grouped(r.difference)}</td></tr>`));
  return `<section aria-label="List against invoice"><h2>List price against the invoice</h2>
<p class="explain">What each price list charged at list price, against what the bill says. The difference is the pool's variance line.</p>
<table class="compact"><thead><tr><th>Pool</th><th>Provider</th><th>Model</th><th class="num">List</th><th class="num">Invoice</th><th class="num">Difference</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

function provenance({ report, toolVersion }: ShowbackPage): string {
  const { run } = report;
  const standing = run.standing.kind === 'closes' ? 'closed on this run (the books)' : run.standing.kind === 'adjusts' ? `adjusts run ${run.standing.booksRunId} of the closed books` : 'open: a later run may replace it';
  const item = (k: string, v: string) => `<dt>${k}</dt><dd>${v}</dd>`;
  return `<section class="provenance"><h2>Provenance</h2><dl>
${item('run', `${run.id}, computed ${esc(run.createdAt)} by chargeback ${esc(run.toolVersion ?? 'unknown')}`)}
${item('state', standing)}
${item('rate card', `${esc(run.rateCardFile)}, SHA-256 <code>${esc(run.rateCardSha256)}</code>`)}
${item('batches read', run.batchIds.length === 0 ? 'none' : run.batchIds.join(', '))}
${item('reconciled', run.reconciled ? 'yes: Σ lines = Σ pool costs + price-list charges' : 'NO')}
${item('this page', `written by chargeback ${esc(toolVersion)}; recompute the run with <code>chargeback runs --verify ${run.id}</code>`)}
</dl></section>`;
}

const CSS = `
:root { color-scheme: light; --ink: #1a1a1a; --muted: #5c5c5c; --rule: #d9d9d9; --accent: #0072B2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 68rem; padding: 1.5rem; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 1.6rem; margin: 0; } h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; border-bottom: 2px solid var(--accent); padding-bottom: .2rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; } .sub, .explain, .note, figcaption { color: var(--muted); }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: .75rem; margin-top: 1rem; }
.tile { border: 1px solid var(--rule); border-radius: 6px; padding: .6rem .8rem; }
.tile .label { font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
.tile .value { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.tile .note { font-size: .8rem; }
figure { margin: 0 0 1rem; } figcaption { font-weight: 600; margin-bottom: .3rem; }
.chart svg { max-width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .2rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
thead th { border-bottom: 2px solid var(--ink); } tfoot th, tfoot td { font-weight: 600; border-top: 2px solid var(--ink); } tr.subtotal th, tr.subtotal td { font-weight: 600; border-bottom: 1.5px solid var(--ink); }
.num { text-align: right; white-space: nowrap; } thead th.num { white-space: normal; } table.compact { font-size: .8rem; } table.compact th, table.compact td { padding: .15rem .35rem; } .scroll { overflow-x: auto; }
td.anomaly, .over { color: #a63c00; font-weight: 600; }
pre { background: #f6f6f6; padding: .5rem .7rem; overflow-x: auto; font-size: .78rem; white-space: pre-wrap; border-radius: 4px; }
.tops { display: grid; grid-template-columns: repeat(3, 1fr); gap: 1rem; } .tops ol { margin: 0; padding-left: 1.3rem; } .tops li .num { float: right; }
.centre h2 .amount { float: right; font-variant-numeric: tabular-nums; }
.swatch { display: inline-block; width: .8em; height: .8em; margin-right: .4em; border-radius: 2px; vertical-align: baseline; print-color-adjust: exact; -webkit-print-color-adjust: exact; }
.of, .centres { color: var(--muted); font-size: .85em; } tr.gap td, tr.gap th { color: var(--muted); } .budget { margin: .2rem 0 .6rem; }
tr.notable td { font-weight: 600; } tr.notable td:first-child { box-shadow: inset 3px 0 0 #a63c00; }
details summary { cursor: pointer; color: var(--muted); font-size: .85rem; }
dl { display: grid; grid-template-columns: 9rem 1fr; gap: .2rem 1rem; } dt { color: var(--muted); } dd { margin: 0; }
@media (max-width: 40rem) { .tiles, .tops { grid-template-columns: 1fr 1fr; } }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  @page { margin: 14mm 12mm; }
  /* A centre is never split across pages, and a page holds as many as fit (issue 33). */
  .centre { break-inside: avoid; }
  figure, table, .tile, pre { break-inside: avoid; }
  details, .screen { display: none; }
  .scroll { overflow: visible; }
  h2 { break-after: avoid; margin: 1rem 0 .4rem; }
  .explain { font-size: 8.5pt; margin: .3rem 0; } h1 { font-size: 1.3rem; } .tiles { margin-top: .5rem; gap: .5rem; }
  .tile { padding: .35rem .6rem; } .tile .value { font-size: 1.2rem; } .tile .note { font-size: 7.5pt; line-height: 1.3; } figure { margin-bottom: .4rem; } header { margin-bottom: .4rem; }
}
`;
