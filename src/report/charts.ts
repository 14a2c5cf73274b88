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
/** Idle and unallocated are named segments in their own greys, never a hue a pool could have. */
export const IDLE = '#8c8c8c';
export const UNALLOCATED = '#c8c8c8';
/** What was not measured (a MIG GPU's busyness): a grey of its own, lighter than idle. */
export const UNKNOWN = '#e3e3e3';

const CONFIG = {
  font: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  view: { stroke: null },
  axis: { labelFontSize: 11, titleFontSize: 11, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'bottom', columns: 3, labelLimit: 220 },
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
      y: { field: 'centre', type: 'nominal', title: null, sort: null, axis: { labelLimit: 200 } },
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

/** Daily spend per centre as lines, anomaly days marked with a triangle on the line. */
export function dailySpendSpec(points: readonly DayPoint[], anomalies: readonly DayPoint[], description: string): TopLevelSpec {
  const x = { field: 'day', type: 'temporal', title: null, timeUnit: 'utcyearmonthdate', axis: { format: '%d', labelOverlap: true } } as const;
  const colour = { field: 'centre', type: 'nominal', title: 'cost centre', scale: { range: PALETTE } } as const;
  return {
    ...base(description, 220),
    layer: [
      { data: { values: points.map((p) => ({ ...p })) }, mark: { type: 'line', point: { filled: true, size: 18 } },
        encoding: { x, y: { field: 'amount', type: 'quantitative', title: 'amount per day', axis: { format: ',.0f' } }, color: colour } },
      { data: { values: anomalies.map((p) => ({ ...p })) }, mark: { type: 'point', shape: 'triangle-down', size: 140, filled: true, color: '#D55E00', yOffset: -12 },
        encoding: { x, y: { field: 'amount', type: 'quantitative' } } },
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
      y: { field: 'key', type: 'nominal', title: null, sort: null, axis: { labelLimit: 220 } },
      x: { field: 'value', type: 'quantitative', aggregate: 'sum', title, axis: { format: ',.2~f' } },
      ...(parts ? { color: { field: 'part', type: 'nominal', title: null, scale: parts, sort: parts.domain } } : {}),
    },
  };
}
