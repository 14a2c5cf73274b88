import { noQuantities } from '../domain/drivers.js';
import { Decimal } from '../domain/money.js';
import type { MonthRange } from '../domain/month.js';
import type { UsageGroup } from '../domain/types.js';
import type { Ledger } from './open.js';
import { DAY_MS, isMonthEdgeDay, QUARTER_MS } from './usage-writer.js';

interface SumsRow {
  dimId: number;
  requests: bigint;
  input: bigint;
  output: bigint;
  cached: bigint;
}

interface DimRow {
  id: number;
  api_key_fp: string;
  user_name: string;
  team: string;
  project: string;
  model: string;
  tier: string;
  environment: string;
  tags: string;
}

/** The month as whole UTC days in the daily sums, and the partial days at its edges. */
function split(range: MonthRange) {
  const firstDay = Math.ceil(range.startMs / DAY_MS);
  const endDay = Math.max(firstDay, Math.floor(range.endMs / DAY_MS));
  const edges: [number, number][] = [
    [range.startMs, Math.min(firstDay * DAY_MS, range.endMs)],
    [Math.max(endDay * DAY_MS, range.startMs), range.endMs],
  ].filter(([from, to]) => from! < to!) as [number, number][];
  return { firstDay, endDay, edges };
}

/**
 * The month's ok gateway usage summed per dims (identity, model, tier, environment, tags):
 * whole UTC days from the daily sums kept at ingest, partial days at the edges of a month
 * in another zone from the events themselves. Sums are BigInt, then Decimal: exact.
 */
export function usageGroups(db: Ledger, range: MonthRange): UsageGroup[] {
  const { firstDay, endDay, edges } = split(range);
  const totals = new Map<number, SumsRow>();
  const add = (row: SumsRow) => {
    const seen = totals.get(row.dimId);
    if (!seen) totals.set(row.dimId, { ...row });
    else {
      seen.requests += row.requests;
      seen.input += row.input;
      seen.output += row.output;
      seen.cached += row.cached;
    }
  };
  const days = db.prepare(`SELECT dim_id AS dimId, SUM(requests) AS requests, SUM(input_tokens) AS input,
      SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached
    FROM usage_daily WHERE day >= ? AND day < ? GROUP BY dim_id`).safeIntegers(true);
  for (const row of days.all(firstDay, endDay) as SumsRow[]) add({ ...row, dimId: Number(row.dimId) });
  // Edges on quarter hours (every zone in use today) come from the edge sums; any other
  // edge from the events themselves, which is exact but reads the whole table.
  const quarters = db.prepare(`SELECT dim_id AS dimId, SUM(requests) AS requests, SUM(input_tokens) AS input,
      SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached
    FROM usage_edges WHERE quarter >= ? AND quarter < ? GROUP BY dim_id`).safeIntegers(true);
  const scan = db.prepare(`SELECT dim_id AS dimId, COUNT(*) AS requests, SUM(input_tokens) AS input,
      SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached
    FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? AND status = 'ok' GROUP BY dim_id`).safeIntegers(true);
  for (const [from, to] of edges) {
    const rows = onQuarters(from, to) ? quarters.all(from / QUARTER_MS, to / QUARTER_MS) : scan.all(from, to);
    for (const row of rows as SumsRow[]) add({ ...row, dimId: Number(row.dimId) });
  }
  if (totals.size === 0) return [];

  const dims = db.prepare('SELECT * FROM usage_dims WHERE id = ?');
  return [...totals.values()].map((sums) => toGroup(dims.get(sums.dimId) as DimRow, sums));
}

const present = <K extends string>(key: K, value: string): { [P in K]?: string } =>
  (value === '' ? {} : { [key]: value }) as { [P in K]?: string };

function toGroup(dim: DimRow, sums: SumsRow): UsageGroup {
  return {
    source: 'gateway',
    identity: {
      ...present('api_key', dim.api_key_fp),
      ...present('user', dim.user_name),
      ...present('team', dim.team),
      ...present('project', dim.project),
    },
    model: dim.model,
    ...present('tier', dim.tier),
    ...present('environment', dim.environment),
    tags: JSON.parse(dim.tags) as Record<string, string>,
    quantities: {
      ...noQuantities(),
      requests: new Decimal(sums.requests.toString()),
      input_tokens: new Decimal(sums.input.toString()),
      output_tokens: new Decimal(sums.output.toString()),
      cached_input_tokens: new Decimal(sums.cached.toString()),
    },
  };
}

/** The ids of the batches that hold any event dated in the month, exactly. */
export function batchesInRange(db: Ledger, range: MonthRange): number[] {
  const { firstDay, endDay, edges } = split(range);
  const ids = new Set(
    db.prepare('SELECT DISTINCT batch_id FROM batch_days WHERE day >= ? AND day < ?').pluck().all(firstDay, endDay) as number[],
  );
  const quarters = db.prepare('SELECT DISTINCT batch_id FROM batch_edges WHERE quarter >= ? AND quarter < ?').pluck();
  const scan = db.prepare('SELECT DISTINCT batch_id FROM usage_events WHERE ts_ms >= ? AND ts_ms < ?').pluck();
  for (const [from, to] of edges) {
    const found = onQuarters(from, to) ? quarters.all(from / QUARTER_MS, to / QUARTER_MS) : scan.all(from, to);
    for (const id of found as number[]) ids.add(id);
  }
  return [...ids].sort((a, b) => a - b);
}

/** Whether an edge lies on quarter hours within one UTC day that has edge sums. */
function onQuarters(from: number, to: number): boolean {
  const day = Math.floor(from / DAY_MS);
  return from % QUARTER_MS === 0 && to % QUARTER_MS === 0 && day === Math.floor((to - 1) / DAY_MS) && isMonthEdgeDay(day);
}

/**
 * The month's ok gateway usage per UTC day and dims, for drill-downs: whole days from the
 * daily sums, the month's partial edge days from the quarter-hour sums (or the events). The
 * days add up to exactly what usageGroups returns for the month.
 */
export function usageGroupsByDay(db: Ledger, range: MonthRange): { day: string; group: UsageGroup }[] {
  const { firstDay, endDay, edges } = split(range);
  const rows: (SumsRow & { day: number })[] = [];
  const read = (sql: string, ...args: number[]) =>
    (db.prepare(sql).safeIntegers(true).all(...args) as (SumsRow & { day: bigint })[]).forEach((r) => rows.push({ ...r, day: Number(r.day), dimId: Number(r.dimId) }));
  read(`SELECT day, dim_id AS dimId, requests, input_tokens AS input, output_tokens AS output, cached_input_tokens AS cached
    FROM usage_daily WHERE day >= ? AND day < ?`, firstDay, endDay);
  for (const [from, to] of edges) {
    if (onQuarters(from, to)) {
      read(`SELECT quarter * ${QUARTER_MS} / ${DAY_MS} AS day, dim_id AS dimId, SUM(requests) AS requests, SUM(input_tokens) AS input,
        SUM(output_tokens) AS output, SUM(cached_input_tokens) AS cached FROM usage_edges WHERE quarter >= ? AND quarter < ? GROUP BY dim_id`,
      from / QUARTER_MS, to / QUARTER_MS);
    } else {
      read(`SELECT ts_ms / ${DAY_MS} AS day, dim_id AS dimId, COUNT(*) AS requests, SUM(input_tokens) AS input, SUM(output_tokens) AS output,
        SUM(cached_input_tokens) AS cached FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? AND status = 'ok' GROUP BY dim_id`, from, to);
    }
  }
  const dims = db.prepare('SELECT * FROM usage_dims WHERE id = ?');
  return rows.map((r) => ({ day: new Date(r.day * DAY_MS).toISOString().slice(0, 10), group: toGroup(dims.get(r.dimId) as DimRow, r) }));
}
