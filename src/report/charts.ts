import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/**
 * The report's charts as Vega-Lite specifications, drawn to SVG on the server by Vega (no
 * browser, no script in the page). Chosen over Apache ECharts' server-side SVG and Observable
 * Plot: Vega-Lite charts are declarative data (no chart code of ours beyond the
 * specifications), its install is 25 MB against ECharts' 67 MB, it needs no DOM (Plot needs
 * one emulated), and Vega writes ARIA roles and each spec's description into the SVG.
 *
 * Geometry is drawn from JS numbers, the only place money is a float: every figure a reader
 * reads is printed from the Decimal text beside the chart, in the table behind it.
 */

/** Okabe and Ito's palette: told apart with any common colour-vision deficiency. */
export const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
/**
 * Pools take Paul Tol's muted palette, also safe for colour-vision deficiencies, so that no
 * hue means a pool in one chart and a centre in the next (issue 33); its nearest to
 * Okabe and Ito's come last.
 */
export const POOL_PALETTE = ['#332288', '#DDCC77', '#CC6677', '#999933', '#882255', '#AA4499', '#44AA99', '#88CCEE'];
/** Idle and unallocated are named segments in their own greys, never a hue a pool could have. */
export const IDLE = '#8c8c8c';
export const UNALLOCATED = '#c8c8c8';
/** What was not measured (a MIG GPU's busyness): a grey of its own, lighter than idle. */
export const UNKNOWN = '#e3e3e3';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', columns: 3, labelLimit: 0 },
} as const;

/** What every chart shares: the schema, its text alternative, its width and the look. */
const base = (description: string, height: number | { step: number }) =>
  ({ $schema: 'https://vega.github.io/schema/vega-lite/v6.json', description, width: 600, height, background: 'white', config: CONFIG }) as const;

/** The SVG of a Vega-Lite spec. */
export async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

export interface Segment {
  centre: string;
  segment: string;
  amount: number;
  /** The segment's place in the stack: pools in card order, then idle, then unallocated. */
  order: number;
}

/** Cost by cost centre, one bar each, stacked by segment (pool, a pool's idle, unallocated). */
export function costByCentreSpec(rows: readonly Segment[], colours: { domain: string[]; range: string[] }, description: string): TopLevelSpec {
  return {
    ...base(description, { step: 26 }),
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar' },
    encoding: {
      // No label limit: a centre's name is never cut (the SVG scales to the page).
      y: { field: 'centre', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      x: { field: 'amount', type: 'quantitative', aggregate: 'sum', title: 'amount', axis: { format: ',.0f' } },
      color: { field: 'segment', type: 'nominal', title: 'pool', scale: colours, sort: colours.domain },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

export interface DayPoint {
  day: string;
  centre: string;
  amount: number;
}

/** A colour scale: each name and its colour, in the legend's order. */
export interface Colours {
  domain: string[];
  range: string[];
}

/** Daily spend per centre as lines (`centre`: its label), anomaly days marked with a triangle in the centre's colour. */
export function dailySpendSpec(points: readonly DayPoint[], anomalies: readonly DayPoint[], colours: Colours, description: string): TopLevelSpec {
  const x = { field: 'day', type: 'temporal', title: null, timeUnit: 'utcyearmonthdate', axis: { format: '%d', labelOverlap: true } } as const;
  const colour = { field: 'centre', type: 'nominal', title: 'cost centre', scale: colours, sort: colours.domain } as const;
  return {
    ...base(description, 220),
    layer: [
      { data: { values: points.map((p) => ({ ...p })) }, mark: { type: 'line', point: { filled: true, size: 18 } },
        encoding: { x, y: { field: 'amount', type: 'quantitative', title: 'amount per day', axis: { format: ',.0f' } }, color: colour } },
      { data: { values: anomalies.map((p) => ({ ...p })) }, mark: { type: 'point', shape: 'triangle-down', size: 140, filled: true, yOffset: -12, stroke: '#1a1a1a', strokeWidth: 0.8 },
        encoding: { x, y: { field: 'amount', type: 'quantitative' }, color: { ...colour, legend: null } } },
    ],
  };
}

/** One horizontal bar per key: unit costs, GPU hours. */
export function barsSpec(rows: readonly { key: string; value: number; part?: string }[], title: string, description: string, parts?: { domain: string[]; range: string[] }): TopLevelSpec {
  return {
    ...base(description, { step: 22 }),
    data: { values: rows.map((r) => ({ ...r })) },
    mark: { type: 'bar', ...(parts ? {} : { color: PALETTE[0] }) },
    encoding: {
      y: { field: 'key', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } },
      x: { field: 'value', type: 'quantitative', aggregate: 'sum', title, axis: { format: ',.2~f' } },
      ...(parts ? { color: { field: 'part', type: 'nominal', title: null, scale: parts, sort: parts.domain } } : {}),
    },
  };
}

export interface MonthPoint {
  month: string;
  /** What the bar or line is: a centre's label, a model. */
  series: string;
  /** Null where the month has no books: a gap in the line, never a zero. */
  value: number | null;
  /** The series' place in a stack. */
  order?: number;
}

/** Spend per month, stacked by centre: months without books have no bar. */
export function monthlyStackSpec(points: readonly MonthPoint[], months: readonly string[], colours: Colours, description: string): TopLevelSpec {
  return {
    ...base(description, 150),
    data: { values: points.filter((p) => p.value !== null).map((p) => ({ ...p })) },
    mark: { type: 'bar' },
    encoding: {
      x: { field: 'month', type: 'ordinal', title: null, sort: [...months], scale: { domain: [...months] }, axis: { labelAngle: 0 } },
      y: { field: 'value', type: 'quantitative', aggregate: 'sum', title: 'amount', axis: { format: ',.0f' } },
      color: { field: 'series', type: 'nominal', title: 'cost centre', scale: colours, sort: colours.domain },
      order: { field: 'order', type: 'quantitative' },
    },
  };
}

/**
 * One line per series over the months, gaps where a month has none; `dashed` points (a
 * centre's budget) are drawn dashed in the series' colour.
 */
export function monthlyLinesSpec(points: readonly (MonthPoint & { dashed?: boolean })[], months: readonly string[], colours: Colours, title: string, format: string, description: string): TopLevelSpec {
  const x = { field: 'month', type: 'ordinal', title: null, sort: [...months], scale: { domain: [...months] }, axis: { labelAngle: 0 } } as const;
  const colour = { field: 'series', type: 'nominal', title: null, scale: colours, sort: colours.domain } as const;
  const line = (dashed: boolean) => ({
    data: { values: points.filter((p) => (p.dashed ?? false) === dashed).map((p) => ({ ...p, dashed: undefined })) },
    // Points as well as lines: a month between two gaps is a point, never nothing.
    mark: { type: 'line', invalid: 'break-paths-show-domains', point: dashed ? { shape: 'diamond', filled: false, size: 60, strokeWidth: 1.5 } : true, ...(dashed ? { strokeDash: [5, 4], strokeWidth: 1.5 } : {}) },
    encoding: { x, y: { field: 'value', type: 'quantitative', title, axis: { format } }, color: dashed ? { ...colour, legend: null } : colour, detail: { field: 'series' } },
  }) as const;
  return { ...base(description, 200), layer: [line(false), ...(points.some((p) => p.dashed) ? [line(true)] : [])] } as TopLevelSpec;
}

/** Each centre's spend as a bar in its colour, its budget a black tick. */
export function budgetBarsSpec(rows: readonly { centre: string; spent: number; budget: number }[], colours: Colours, description: string): TopLevelSpec {
  const y = { field: 'centre', type: 'nominal', title: null, sort: null, axis: { labelLimit: 0 } } as const;
  return {
    ...base(description, { step: 26 }),
    data: { values: rows.map((r) => ({ ...r })) },
    layer: [
      { mark: { type: 'bar' }, encoding: { y, x: { field: 'spent', type: 'quantitative', title: 'spent (bar) against budget (tick)', axis: { format: ',.0f' } }, color: { field: 'centre', type: 'nominal', scale: colours, legend: null } } },
      { mark: { type: 'tick', color: '#1a1a1a', thickness: 3, size: 22 }, encoding: { y, x: { field: 'budget', type: 'quantitative' } } },
    ],
  } as TopLevelSpec;
}
