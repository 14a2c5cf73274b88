import type { ShowbackReport } from '../domain/showback.js';
import type { TrendMonth } from '../domain/trend.js';
import { PALETTE, UNALLOCATED, type Colours } from './charts.js';

/**
 * Each cost centre's name and one colour for the whole report (issue 33): the centres in
 * the report's order, then any that only earlier months have; the unallocated centre grey.
 * Charts name a centre "Research (CC-4300)"; a centre without a name is its id.
 */
export interface CentreNames {
  label(centre: string): string;
  colour(centre: string): string;
  /** Every centre's label and colour, for a chart's scale. */
  scale: Colours;
}

export function centreNames(report: ShowbackReport, trend: readonly TrendMonth[], unallocated: string): CentreNames {
  const names = new Map<string, string>();
  for (const month of trend) for (const [id, name] of month.names) names.set(id, name);
  for (const line of report.lines) if (line.costCentreName !== '') names.set(line.costCentre, line.costCentreName);
  const ids = [...new Set([...report.centres.map((c) => c.explanation.costCentre), ...trend.flatMap((m) => [...m.byCentre.keys()].sort())])];
  const hued = ids.filter((id) => id !== unallocated);
  const colour = (id: string) => (id === unallocated ? UNALLOCATED : PALETTE[Math.max(0, hued.indexOf(id)) % PALETTE.length]!);
  const label = (id: string) => {
    const name = names.get(id);
    return `${name ? `${name} (${id})` : id}${id === unallocated ? ' unallocated' : ''}`;
  };
  return { label, colour, scale: { domain: ids.map(label), range: ids.map(colour) } };
}
