import { noQuantities } from '../domain/drivers.js';
import { Decimal } from '../domain/money.js';
import type { MonthRange } from '../domain/month.js';
import type { GroupShape, Identity, UsageGroup } from '../domain/types.js';
import { EVERY_ROW, type DimsField, type UsageClass, type UsageClassifier, type UsageDims } from '../domain/usage-classes.js';
import type { Ledger } from './open.js';
import { DAY_MS, isMonthEdgeDay, QUARTER_MS } from './usage-writer.js';

/**
 * A month's ok gateway usage, each dims row put in a class once, and summed by SQLite per
 * class: the domain sees groups, not rows. The identity queries are valid while the ledger
 * stays open; classifying again replaces the classes.
 */
export interface ClassifiedUsage {
  /** Per class, its usage in the month. */
  groups: UsageGroup[];
  /**
   * Per class and UTC day, from `daysBefore` whole UTC days before the month to its end; the
   * month's partial edge days hold only their part inside that span.
   */
  days: { day: string; group: UsageGroup }[];
  /** Per class and identity (key, user, team, project), the month's usage of the classes `which` picks. */
  identities(which: (shape: GroupShape) => boolean): { identity: Identity; group: UsageGroup }[];
  /** The distinct identities with usage in the month in the classes `which` picks. */
  distinctIdentities(which: (shape: GroupShape) => boolean): Identity[];
}

/** Where each dims field lives in usage_dims ('' there stands for "none"). */
const COLUMNS: Record<string, string> = {
  api_key: 'd.api_key_fp', user: 'd.user_name', team: 'd.team', project: 'd.project',
  model: 'd.model', tier: 'd.tier', environment: 'd.environment',
};

/**
 * Classifies every dims row with usage in the month or the `daysBefore` UTC days before it.
 * SQLite groups the rows by the fields the classifier reads, the classifier sees each
 * combination once (and, where it asks, the whole rows of that combination), SQLite maps
 * every row to its class and sums the classes in one pass over the daily sums.
 */
export function classifyUsage(db: Ledger, month: MonthRange, daysBefore: number, classifier: UsageClassifier): ClassifiedUsage {
  const before: MonthRange = { startMs: (Math.floor(month.startMs / DAY_MS) - daysBefore) * DAY_MS, endMs: month.startMs };
  const windows = daysBefore > 0 ? [month, before] : [month];
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS month_dims (dim_id INTEGER PRIMARY KEY, in_month INTEGER NOT NULL);
    CREATE TEMP TABLE IF NOT EXISTS dim_class (dim_id INTEGER PRIMARY KEY, cls INTEGER NOT NULL);
    DROP TABLE IF EXISTS temp.combo; DELETE FROM temp.month_dims; DELETE FROM temp.dim_class;`);
  windows.forEach((window, i) => {
    const rows = rowsOf(window);
    db.prepare(`INSERT OR IGNORE INTO temp.month_dims SELECT dim_id, ${i === 0 ? 1 : 0} FROM (${rows.sql})`).run(...rows.params);
  });

  const shapes: GroupShape[] = [];
  const classOfKey = new Map<string, number>();
  const classOf = (found: UsageClass) => {
    let cls = classOfKey.get(found.key);
    if (cls === undefined) classOfKey.set(found.key, (cls = shapes.push(found.shape) - 1));
    return cls;
  };
  classifyCombinations(db, classifier, classOf);
  classifyWholeRows(db, classifier, classOf);

  // One pass: rows of the month are part 1, rows of the days before part 0.
  const parts = windows.map((window, i) => {
    const rows = rowsOf(window);
    return { sql: `SELECT *, ${i === 0 ? 1 : 0} AS part FROM (${rows.sql})`, params: rows.params };
  });
  const sums = 'SUM(r.requests) AS requests, SUM(r.input) AS input, SUM(r.output) AS output, SUM(r.cached) AS cached';
  const byDay = db.prepare(`SELECT c.cls AS cls, r.day AS day, r.part AS part, ${sums}
    FROM (${parts.map((p) => p.sql).join(' UNION ALL ')}) r JOIN temp.dim_class c ON c.dim_id = r.dim_id
    GROUP BY c.cls, r.day, r.part`).safeIntegers(true).all(...parts.flatMap((p) => p.params)) as (Sums & { cls: bigint; day: bigint; part: bigint })[];
  const group = (cls: bigint, row: Sums): UsageGroup => ({ ...shapes[Number(cls)]!, quantities: quantitiesOf(row) });
  const monthTotals = new Map<bigint, Sums>();
  for (const row of byDay) if (row.part === 1n) monthTotals.set(row.cls, addSums(monthTotals.get(row.cls), row));
  const dayTotals = new Map<string, Sums & { cls: bigint; day: bigint }>();
  for (const row of byDay) {
    const key = `${row.cls}:${row.day}`;
    dayTotals.set(key, { ...addSums(dayTotals.get(key), row), cls: row.cls, day: row.day });
  }

  const picked = (which: (shape: GroupShape) => boolean) => JSON.stringify(shapes.flatMap((shape, cls) => (which(shape) ? [cls] : [])));
  return {
    groups: [...monthTotals].map(([cls, row]) => group(cls, row)),
    days: [...dayTotals.values()].map((row) => ({ day: new Date(Number(row.day) * DAY_MS).toISOString().slice(0, 10), group: group(row.cls, row) })),
    identities(which) {
      const rows = rowsOf(month);
      const found = db.prepare(`SELECT c.cls AS cls, d.api_key_fp AS fp, d.user_name AS user, d.team AS team, d.project AS project, ${sums}
        FROM (${rows.sql}) r JOIN temp.dim_class c ON c.dim_id = r.dim_id JOIN usage_dims d ON d.id = r.dim_id
        WHERE c.cls IN (SELECT value FROM json_each(?)) GROUP BY c.cls, d.api_key_fp, d.user_name, d.team, d.project`)
        .safeIntegers(true).all(...rows.params, picked(which)) as (Sums & { cls: bigint; fp: string; user: string; team: string; project: string })[];
      return found.map((row) => ({ identity: identityOf(row.fp, row.user, row.team, row.project), group: group(row.cls, row) }));
    },
    distinctIdentities(which) {
      return (db.prepare(`SELECT DISTINCT d.api_key_fp, d.user_name, d.team, d.project FROM temp.month_dims m
        JOIN temp.dim_class c ON c.dim_id = m.dim_id JOIN usage_dims d ON d.id = m.dim_id
        WHERE m.in_month = 1 AND c.cls IN (SELECT value FROM json_each(?))`).raw()
        .all(picked(which)) as [string, string, string, string][]).map((row) => identityOf(...row));
    },
  };
}

function addSums(a: Sums | undefined, b: Sums): Sums {
  if (!a) return { requests: b.requests, input: b.input, output: b.output, cached: b.cached };
  return { requests: a.requests + b.requests, input: a.input + b.input, output: a.output + b.output, cached: a.cached + b.cached };
}

/** Classes each combination of the fields the classifier reads; rows it must see whole wait in WHOLE_ROW. */
function classifyCombinations(db: Ledger, classifier: UsageClassifier, classOf: (found: UsageClass) => number): void {
  const fields = classifier.fields;
  const exprs = fields.map(fieldSql);
  const params = exprs.flatMap((e) => e.params);
  const combos = db.prepare(`SELECT ${exprs.map((e) => e.sql).join(', ')} FROM temp.month_dims m JOIN usage_dims d ON d.id = m.dim_id
    GROUP BY ${exprs.map((_, i) => i + 1).join(', ')}`).raw().all(...params) as (string | null)[][];
  const columns = fields.map((_, i) => `f${i}`);
  db.exec(`CREATE TEMP TABLE combo (cls INTEGER NOT NULL${columns.map((c) => `, ${c}`).join('')});
    CREATE INDEX temp.combo_fields ON combo (${columns.join(', ')})`);
  const addCombo = db.prepare(`INSERT INTO temp.combo VALUES (${['?', ...columns.map(() => '?')].join(', ')})`);
  for (const values of combos) {
    const found = classifier.classify(dimsOfFields(fields, values), false);
    addCombo.run(found === null ? WHOLE_ROW : classOf(found), ...values);
  }
  db.prepare(`INSERT INTO temp.dim_class SELECT d.id, c.cls FROM temp.month_dims m JOIN usage_dims d ON d.id = m.dim_id
    JOIN temp.combo c ON ${exprs.map((e, i) => `c.f${i} IS ${e.sql}`).join(' AND ')}`).run(...params);
}

/** The class of rows whose combination the classifier could not class without the whole row. */
const WHOLE_ROW = -1;

/** Classes the rows the classifier asked to see whole, one by one. */
function classifyWholeRows(db: Ledger, classifier: UsageClassifier, classOf: (found: UsageClass) => number): void {
  const rows = db.prepare(`SELECT d.id, d.api_key_fp, d.user_name, d.team, d.project, d.model, d.tier, d.environment, d.tags
    FROM temp.dim_class c JOIN usage_dims d ON d.id = c.dim_id WHERE c.cls = ?`).raw().all(WHOLE_ROW) as DimsRow[];
  const update = db.prepare('UPDATE temp.dim_class SET cls = ? WHERE dim_id = ?');
  const tagsOf = parsedTags();
  for (const row of rows) {
    const found = classifier.classify(dimsOf(row, tagsOf), true);
    if (found === null) throw new RangeError('a usage classifier must class a whole row');
    update.run(classOf(found), row[0]);
  }
}

/** A dims field as an SQL expression over usage_dims `d`: NULL where the row has none. */
function fieldSql(field: DimsField): { sql: string; params: string[] } {
  const column = COLUMNS[field];
  if (column) return { sql: `NULLIF(${column}, '')`, params: [] };
  // Tags are canonical JSON objects of strings; a name is quoted as a JSON path label.
  return { sql: 'json_extract(d.tags, ?)', params: [`$.${JSON.stringify(field.slice(4))}`] };
}

/** A combination of field values as the dims row the classifier sees (absent: not read, or none). */
function dimsOfFields(fields: readonly DimsField[], values: readonly (string | null)[]): UsageDims {
  const dims: UsageDims & { identity: Record<string, string>; tags: Record<string, string> } = { identity: {}, model: '', tags: {} };
  fields.forEach((field, i) => {
    const value = values[i];
    if (value === null || value === undefined) return;
    if (field.startsWith('tag.')) dims.tags[field.slice(4)] = value;
    else if (field === 'model' || field === 'tier' || field === 'environment') dims[field] = value;
    else dims.identity[field] = value;
  });
  return dims;
}

/** The month's ok gateway usage per dims row, identity and all (each row its own class). */
export function usageGroups(db: Ledger, range: MonthRange): UsageGroup[] {
  return classifyUsage(db, range, 0, EVERY_ROW).groups;
}

type DimsRow = [number, string, string, string, string, string, string, string, string];

interface Sums {
  requests: bigint;
  input: bigint;
  output: bigint;
  cached: bigint;
}

function quantitiesOf(sums: Sums): UsageGroup['quantities'] {
  return {
    ...noQuantities(),
    requests: new Decimal(sums.requests.toString()),
    input_tokens: new Decimal(sums.input.toString()),
    output_tokens: new Decimal(sums.output.toString()),
    cached_input_tokens: new Decimal(sums.cached.toString()),
  };
}

/** '' stands for "none" in the dims table. */
const present = <K extends string>(key: K, value: string): { [P in K]?: string } =>
  (value === '' ? {} : { [key]: value }) as { [P in K]?: string };

function identityOf(fp: string, user: string, team: string, project: string): Identity {
  return { ...present('api_key', fp), ...present('user', user), ...present('team', team), ...present('project', project) };
}

function dimsOf([, fp, user, team, project, model, tier, environment, tags]: DimsRow, tagsOf: (text: string) => Record<string, string>): UsageDims {
  return { identity: identityOf(fp, user, team, project), model, ...present('tier', tier), ...present('environment', environment), tags: tagsOf(tags) };
}

/** JSON.parse of canonical tag sets, remembered: a month has far fewer tag sets than dims rows. */
function parsedTags(): (text: string) => Record<string, string> {
  const seen = new Map<string, Record<string, string>>();
  return (text) => {
    let tags = seen.get(text);
    if (!tags) {
      if (seen.size >= 50_000) seen.clear();
      tags = JSON.parse(text) as Record<string, string>;
      seen.set(text, tags);
    }
    return tags;
  };
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
 * SQL for the range's ok usage as (dim_id, day, requests, input, output, cached) rows: whole
 * UTC days from the daily sums kept at ingest, edges on quarter hours (every zone in use
 * today) from the edge sums, any other edge from the events themselves (exact, but a scan).
 */
function rowsOf(range: MonthRange): { sql: string; params: number[] } {
  const { firstDay, endDay, edges } = split(range);
  const parts = [`SELECT dim_id, day, requests, input_tokens AS input, output_tokens AS output, cached_input_tokens AS cached
    FROM usage_daily WHERE day >= ? AND day < ?`];
  const params = [firstDay, endDay];
  for (const [from, to] of edges) {
    if (onQuarters(from, to)) {
      parts.push(`SELECT dim_id, quarter / ${DAY_MS / QUARTER_MS}, requests, input_tokens, output_tokens, cached_input_tokens
        FROM usage_edges WHERE quarter >= ? AND quarter < ?`);
      params.push(from / QUARTER_MS, to / QUARTER_MS);
    } else {
      parts.push(`SELECT dim_id, ts_ms / ${DAY_MS}, 1, input_tokens, output_tokens, cached_input_tokens
        FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? AND status = 'ok'`);
      params.push(from, to);
    }
  }
  return { sql: parts.join(' UNION ALL '), params };
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
