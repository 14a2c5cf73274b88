import type { Anomaly } from './anomalies.js';
import type { CommitmentUse } from './billing-summary.js';

/** An anomaly as a run stores it: centre, day, value, median, ratio; then, for cost, 'cost' and its driver's axis, key and amount. */
type StoredAnomaly = [string, string, string, string, string, ...string[]];
import type { UsageCount } from './attribution.js';
import type { GpuSummaryRow } from './gpu.js';
import { ownerOf } from './match.js';
import { Decimal } from './money.js';
import { compareIds } from './order.js';
import type { CentreCounts } from './showback.js';
import { UNTAGGED, type MonthSums } from './breakdowns.js';
import type { RateCard } from './types.js';

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
  /** How the anomalies were judged: by cost (issue 33), or by tokens as runs stored before it were. */
  anomaliesBy: 'cost' | 'tokens';
  /** Each commitment the month's bills mark, used and unused (issue 33); absent in runs stored before. */
  commitments?: readonly CommitmentUse[];
  gpu: readonly GpuSummaryRow[];
}

/**
 * The views from the month's class sums by day, in one pass: per centre, requests and tokens
 * (input + output) by model and by each of `tags`' values (UNTAGGED without it), as
 * `countsOf` counts usage groups; `tags` are the card's pool filter tags.
 */
export function runViews(card: RateCard, month: MonthSums, tags: readonly string[], anomalies: readonly Anomaly[], gpu: readonly GpuSummaryRow[], anomaliesBy: RunViews['anomaliesBy'] = 'cost'): RunViews {
  const at = (column: string) => month.columns.indexOf(column as MonthSums['columns'][number]);
  const [requests, input, output] = [at('requests'), at('input_tokens'), at('output_tokens')];
  const byCentre = new Map<string, { byModel: Map<string, [bigint, bigint]>; byTag: Map<string, Map<string, [bigint, bigint]>> }>();
  const add = (map: Map<string, [bigint, bigint]>, key: string, r: bigint, t: bigint) => {
    const so = map.get(key);
    map.set(key, so ? [so[0] + r, so[1] + t] : [r, t]);
  };
  for (const { cls, sums } of month.days) {
    const shape = month.shapeOf(cls);
    const centre = ownerOf(shape, card).id;
    let counts = byCentre.get(centre);
    if (!counts) byCentre.set(centre, (counts = { byModel: new Map(), byTag: new Map(tags.map((tag) => [tag, new Map()])) }));
    const r = BigInt(sums[requests]!);
    const t = BigInt(sums[input]!) + BigInt(sums[output]!);
    add(counts.byModel, shape.model ?? '(none)', r, t);
    for (const tag of tags) add(counts.byTag.get(tag)!, shape.tags[tag] ?? UNTAGGED, r, t);
  }
  const decimal = (map: Map<string, [bigint, bigint]>): Map<string, UsageCount> =>
    new Map([...map].map(([key, [r, t]]) => [key, { requests: new Decimal(r.toString()), tokens: new Decimal(t.toString()) }]));
  const counts = new Map([...byCentre].sort(([a], [b]) => compareIds(a, b))
    .map(([centre, c]) => [centre, { byModel: decimal(c.byModel), byTag: new Map([...c.byTag].map(([tag, map]) => [tag, decimal(map)])) }] as const));
  return { tags, counts, anomalies, anomaliesBy, gpu };
}

type CountRows = [string, string, string][];

/** The views as a run stores them: every figure exact decimal text, in a fixed order. */
export function runViewsAsText(views: RunViews): string {
  const rows = (map: ReadonlyMap<string, UsageCount>): CountRows =>
    [...map].sort(([a], [b]) => compareIds(a, b)).map(([key, c]) => [key, c.requests.toFixed(), c.tokens.toFixed()]);
  return JSON.stringify({
    tags: views.tags,
    counts: [...views.counts].map(([centre, c]) => [centre, rows(c.byModel), [...c.byTag].map(([tag, map]) => [tag, rows(map)])]),
    // Token anomalies keep the five fields runs stored before issue 33; cost ones add theirs.
    anomalies: views.anomalies.map((a) => [a.costCentre, a.day, a.value.toFixed(), a.trailingMedian.toFixed(), a.ratio.toFixed(),
      ...(a.measure === 'cost' ? ['cost', ...(a.driver ? [a.driver.axis, a.driver.key, a.driver.amount.toFixed()] : [])] : [])] as StoredAnomaly),
    ...(views.anomaliesBy === 'cost' ? { anomalies_by: 'cost' } : {}),
    ...(views.commitments ? { commitments: views.commitments.map((c) => [c.id, c.currency, c.used.toFixed(), c.unused.toFixed()]) } : {}),
    // Hours of unknown busyness only where there are some: runs stored before they were kept read the same.
    // Energy (issue 35) only where measured, after the unknown hours, then always written.
    gpu: views.gpu.map((g) => [g.host, g.gpu, g.hours.toFixed(), g.ownedHours.toFixed(), g.busyHours.toFixed(), g.owners,
      ...(g.unmeasuredHours.isZero() && g.energyMj === undefined ? [] : [g.unmeasuredHours.toFixed()]),
      ...(g.energyMj === undefined ? [] : [g.energyMj.toFixed(), (g.energyByOwner ?? []).map(([owner, mj]) => [owner, mj.toFixed()])])]),
  });
}

export function runViewsOfText(text: string): RunViews {
  const stored = JSON.parse(text) as {
    tags: string[];
    counts: [string, CountRows, [string, CountRows][]][];
    anomalies: StoredAnomaly[];
    anomalies_by?: 'cost';
    commitments?: [string, string, string, string][];
    gpu: [string, string, string, string, string, string[], string?, string?, [string, string][]?][];
  };
  const map = (rows: CountRows) => new Map(rows.map(([key, requests, tokens]) => [key, { requests: new Decimal(requests), tokens: new Decimal(tokens) }]));
  return {
    tags: stored.tags,
    counts: new Map(stored.counts.map(([centre, models, tags]) => [centre, { byModel: map(models), byTag: new Map(tags.map(([tag, rows]) => [tag, map(rows)])) }])),
    anomalies: stored.anomalies.map(([costCentre, day, value, median, ratio, measure, axis, key, amount]) => ({
      costCentre, day, measure: measure === 'cost' ? 'cost' as const : 'tokens' as const, value: new Decimal(value), trailingMedian: new Decimal(median), ratio: new Decimal(ratio),
      ...(axis !== undefined && key !== undefined && amount !== undefined ? { driver: { axis, key, amount: new Decimal(amount) } } : {}),
    })),
    anomaliesBy: stored.anomalies_by ?? 'tokens',
    ...(stored.commitments ? { commitments: stored.commitments.map(([id, currency, used, unused]) => ({ id, currency, used: new Decimal(used), unused: new Decimal(unused) })) } : {}),
    gpu: stored.gpu.map(([host, gpu, hours, owned, busy, owners, unmeasured, energy, byOwner]) => ({
      host, gpu, hours: new Decimal(hours), ownedHours: new Decimal(owned), busyHours: new Decimal(busy), unmeasuredHours: new Decimal(unmeasured ?? 0), owners,
      ...(energy === undefined ? {} : { energyMj: new Decimal(energy), energyByOwner: (byOwner ?? []).map(([owner, mj]) => [owner, new Decimal(mj)] as [string, Decimal]) }),
    })),
  };
}
