import type { Anomaly } from './anomalies.js';
import type { UsageCount } from './attribution.js';
import type { GpuSummaryRow } from './gpu.js';
import { ownerOf } from './match.js';
import { Decimal } from './money.js';
import { compareIds } from './order.js';
import { countsOf, type CentreCounts } from './showback.js';
import type { RateCard, UsageGroup } from './types.js';

/**
 * What the views of a run show besides its lines' breakdowns (issue 30), worked out by
 * `compute` with them and stored with the run: each centre's ok requests and tokens by model
 * and by the value of each tag the card's pools filter on, the month's usage anomalies, and
 * the GPU summary. With them the report reads the run alone: what it shows is what was posted.
 */
export interface RunViews {
  /** The tags the counts (and the lines' breakdowns) hold values of. */
  tags: readonly string[];
  counts: ReadonlyMap<string, CentreCounts>;
  anomalies: readonly Anomaly[];
  gpu: readonly GpuSummaryRow[];
}

/** The views from the month's usage per class and day, in one pass; `tags` are the card's pool filter tags. */
export function runViews(card: RateCard, days: readonly { day: string; group: UsageGroup }[], tags: readonly string[],
  anomalies: readonly Anomaly[], gpu: readonly GpuSummaryRow[]): RunViews {
  const byCentre = new Map<string, UsageGroup[]>();
  for (const { group } of days) {
    const centre = ownerOf(group, card).id;
    let groups = byCentre.get(centre);
    if (!groups) byCentre.set(centre, (groups = []));
    groups.push(group);
  }
  const counts = new Map([...byCentre].sort(([a], [b]) => compareIds(a, b)).map(([centre, groups]) => [centre, countsOf(groups, tags)] as const));
  return { tags, counts, anomalies, gpu };
}

type CountRows = [string, string, string][];

/** The views as a run stores them: every figure exact decimal text, in a fixed order. */
export function runViewsAsText(views: RunViews): string {
  const rows = (map: ReadonlyMap<string, UsageCount>): CountRows =>
    [...map].sort(([a], [b]) => compareIds(a, b)).map(([key, c]) => [key, c.requests.toFixed(), c.tokens.toFixed()]);
  return JSON.stringify({
    tags: views.tags,
    counts: [...views.counts].map(([centre, c]) => [centre, rows(c.byModel), [...c.byTag].map(([tag, map]) => [tag, rows(map)])]),
    anomalies: views.anomalies.map((a) => [a.costCentre, a.day, a.tokens.toFixed(), a.trailingMedian.toFixed(), a.ratio.toFixed()]),
    gpu: views.gpu.map((g) => [g.host, g.gpu, g.hours.toFixed(), g.ownedHours.toFixed(), g.busyHours.toFixed(), g.owners]),
  });
}

export function runViewsOfText(text: string): RunViews {
  const stored = JSON.parse(text) as {
    tags: string[];
    counts: [string, CountRows, [string, CountRows][]][];
    anomalies: [string, string, string, string, string][];
    gpu: [string, string, string, string, string, string[]][];
  };
  const map = (rows: CountRows) => new Map(rows.map(([key, requests, tokens]) => [key, { requests: new Decimal(requests), tokens: new Decimal(tokens) }]));
  return {
    tags: stored.tags,
    counts: new Map(stored.counts.map(([centre, models, tags]) => [centre, { byModel: map(models), byTag: new Map(tags.map(([tag, rows]) => [tag, map(rows)])) }])),
    anomalies: stored.anomalies.map(([costCentre, day, tokens, median, ratio]) => ({ costCentre, day, tokens: new Decimal(tokens), trailingMedian: new Decimal(median), ratio: new Decimal(ratio) })),
    gpu: stored.gpu.map(([host, gpu, hours, owned, busy, owners]) => ({ host, gpu, hours: new Decimal(hours), ownedHours: new Decimal(owned), busyHours: new Decimal(busy), owners })),
  };
}
