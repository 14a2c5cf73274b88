import { formatAmount, formatQuantity, type Decimal } from '../domain/money.js';
import type { TopLevelSpec } from 'vega-lite';
import { grouped, readable } from './cells.js';
import { svgOf } from './charts.js';

/** The pieces every part of the HTML report is written with: escaping, money for readers, a captioned chart. */
export const esc = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
export const money = (d: Decimal) => grouped(formatAmount(d));
export const signed = (d: Decimal) => `${d.isNegative() ? '−' : d.isZero() ? '' : '+'}${money(d.abs())}`;
export const pct = (part: Decimal, whole: Decimal) => (whole.isZero() ? '' : `${part.dividedBy(whole).times(100).toDecimalPlaces(1).toFixed(1)}%`);
/** A chart's geometry: the one place money is a float (every figure read is printed from the Decimal). */
export const num = (d: Decimal) => d.toNumber();

/** A unit price at four significant digits, the exact decimal in its tooltip. */
export const unitPrice = (d: Decimal) => `<span title="${esc(formatQuantity(d))}">${readable(d)}</span>`;

/**
 * A chart with its caption and the table behind it. Its text alternative is the spec's
 * description, which names every series and figure (issue 33): Vega's SVG carries none.
 */
export async function figure(id: string, caption: string, spec: TopLevelSpec, table: string): Promise<string> {
  return `<figure id="${id}" aria-labelledby="${id}-caption"><figcaption id="${id}-caption">${caption}</figcaption>
<div class="chart" role="img" aria-label="${esc(spec.description ?? caption)}">${await svgOf(spec)}</div>
${table}
</figure>`;
}
