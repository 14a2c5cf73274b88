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
  /** Per class, its usage in the month (one pass over the daily sums, shared with ownerDays). */
  groups(): UsageGroup[];
  /**
   * Per owner and UTC day, from `daysBefore` whole UTC days before the month to its end (the
   * month's partial edge days hold only their part inside that span): groups with an owner
   * and quantities, nothing else.
   */
  ownerDays(): { day: string; group: UsageGroup }[];
  /** Per class and UTC day, the month's usage of the classes `which` picks. */
  days(which: (shape: GroupShape) => boolean): { day: string; group: UsageGroup }[];
  /** Per class and identity (key, user, team, project), the month's usage of the classes `which` picks, streamed. */
  identities(which: (shape: GroupShape) => boolean): Iterable<{ identity: Identity; group: UsageGroup }>;
  /** Calls `visit` with each distinct identity with usage in the month in the classes `which` picks. */
  eachIdentity(which: (shape: GroupShape) => boolean, visit: (identity: Identity) => void): void;
}

/** Where each dims field lives in usage_dims ('' there stands for "none"). */
const COLUMNS: Record<string, string> = {
  api_key: 'd.api_key_fp', user: 'd.user_name', team: 'd.team', project: 'd.project',
  model: 'd.model', tier: 'd.tier', environment: 'd.environment',
};

/**
 * Classifies every dims row with usage in the month or the `daysBefore` UTC days before it.
 * SQLite resolves each row's owner from the card's rules and numbers the distinct
 * combinations of owner and the fields the classifier reads; the classifier sees each
 * combination once (and, where it asks, the whole rows of that combination); one pass over
 * the daily sums then sums every combination by day, and the combinations fold into classes.
 */
export function classifyUsage(db: Ledger, month: MonthRange, daysBefore: number, classifier: UsageClassifier): ClassifiedUsage {
  const before: MonthRange = { startMs: (Math.floor(month.startMs / DAY_MS) - daysBefore) * DAY_MS, endMs: month.startMs };
  const windows = daysBefore > 0 ? [month, before] : [month];
  db.exec(`CREATE TEMP TABLE IF NOT EXISTS month_dims (dim_id INTEGER PRIMARY KEY, in_month INTEGER NOT NULL);
    CREATE TEMP TABLE IF NOT EXISTS dim_combo (dim_id INTEGER PRIMARY KEY, combo INTEGER NOT NULL);
    DELETE FROM temp.month_dims; DELETE FROM temp.dim_combo;`);
  windows.forEach((window, i) => {
    const rows = rowsOf(window);
    db.prepare(`INSERT OR IGNORE INTO temp.month_dims SELECT dim_id, ${i === 0 ? 1 : 0} FROM (${rows.sql})`).run(...rows.params);
  });

  const shapes: GroupShape[] = [];
  const classOfKey = new Map<string, number>();
  const comboClass: number[] = [];
  const place = (combo: number, found: UsageClass) => {
    let cls = classOfKey.get(found.key);
    if (cls === undefined) classOfKey.set(found.key, (cls = shapes.push(found.shape) - 1));
    comboClass[combo] = cls;
  };
  numberCombinations(db, classifier, place);

  // One pass, when asked for, a UTC day at a time: the month's rows (window 0) fold into its
  // classes and the owners' days, the days before it (window 1) into the owners' days only.
  const sums = 'SUM(r.requests), SUM(r.input), SUM(r.output), SUM(r.cached)';
  let summed: { monthTotals: Map<number, number[]>; ownerDays: Map<string, { shape: GroupShape; day: number; sums: number[] }> } | null = null;
  const sumMonth = () => {
    if (summed) return summed;
    summed = { monthTotals: new Map(), ownerDays: new Map() };
    for (const [i, window] of windows.entries()) {
      for (const piece of dayPiecesOf(window)) {
        const pass = db.prepare(`SELECT c.combo, ${sums} FROM (${piece.sql}) r JOIN temp.dim_combo c ON c.dim_id = r.dim_id
          GROUP BY c.combo`).raw();
        for (const [combo, ...row] of pass.iterate(...piece.params) as IterableIterator<number[]>) {
          const cls = comboClass[combo!]!;
          if (i === 0) addExact(summed.monthTotals.get(cls) ?? setNew(summed.monthTotals, cls), row);
          const owner = shapes[cls]!.centre;
          const key = `${owner?.id}\u0000${owner?.matched}\u0000${piece.day}`;
          let found = summed.ownerDays.get(key);
          if (!found) {
            const shape: GroupShape = { source: 'gateway', identity: {}, tags: {}, ...(owner ? { centre: owner } : {}) };
            summed.ownerDays.set(key, (found = { shape, day: piece.day, sums: [0, 0, 0, 0] }));
          }
          addExact(found.sums, row);
        }
      }
    }
    return summed;
  };

  const group = (shape: GroupShape, row: readonly (number | bigint)[]): UsageGroup => ({ ...shape, quantities: quantitiesOf(row) });
  const picked = (which: (shape: GroupShape) => boolean) =>
    JSON.stringify(comboClass.flatMap((cls, combo) => (which(shapes[cls]!) ? [combo] : [])));
  const dayOf = (day: number | bigint) => new Date(Number(day) * DAY_MS).toISOString().slice(0, 10);
  return {
    groups: () => [...sumMonth().monthTotals].map(([cls, row]) => group(shapes[cls]!, row)),
    ownerDays: () => [...sumMonth().ownerDays.values()].map(({ shape, day, sums: row }) => ({ day: dayOf(day), group: group(shape, row) })),
    days(which) {
      const rows = rowsOf(month);
      const found = db.prepare(`SELECT c.combo, r.day, ${sums} FROM (${rows.sql}) r JOIN temp.dim_combo c ON c.dim_id = r.dim_id
        WHERE c.combo IN (SELECT value FROM json_each(?)) GROUP BY c.combo, r.day`).raw().safeIntegers(true)
        .all(...rows.params, picked(which)) as bigint[][];
      return found.map(([combo, day, ...row]) => ({ day: dayOf(day!), group: group(shapes[comboClass[Number(combo)]!]!, row) }));
    },
    *identities(which) {
      const rows = rowsOf(month);
      const found = db.prepare(`SELECT c.combo, d.api_key_fp, d.user_name, d.team, d.project, ${sums}
        FROM (${rows.sql}) r JOIN temp.dim_combo c ON c.dim_id = r.dim_id JOIN usage_dims d ON d.id = r.dim_id
        WHERE c.combo IN (SELECT value FROM json_each(?)) GROUP BY c.combo, d.api_key_fp, d.user_name, d.team, d.project`)
        .raw().safeIntegers(true).iterate(...rows.params, picked(which)) as IterableIterator<[bigint, string, string, string, string, ...bigint[]]>;
      for (const [combo, fp, user, team, project, ...row] of found) {
        yield { identity: identityOf(fp, user, team, project), group: group(shapes[comboClass[Number(combo)]!]!, row) };
      }
    },
    eachIdentity(which, visit) {
      const rows = db.prepare(`SELECT DISTINCT d.api_key_fp, d.user_name, d.team, d.project FROM temp.month_dims m
        JOIN temp.dim_combo c ON c.dim_id = m.dim_id JOIN usage_dims d ON d.id = m.dim_id
        WHERE m.in_month = 1 AND c.combo IN (SELECT value FROM json_each(?))`).raw().iterate(picked(which));
      for (const row of rows as IterableIterator<[string, string, string, string]>) visit(identityOf(...row));
    },
  };
}

function setNew(map: Map<number, number[]>, key: number): number[] {
  const fresh = [0, 0, 0, 0];
  map.set(key, fresh);
  return fresh;
}

/**
 * Adds `row` into `into`, exactly: a sum past 2^53 would lose units as a double, so it stops
 * the command instead (2^53 tokens is nine quadrillion, in one class or one day).
 */
function addExact(into: number[], row: readonly number[]): void {
  for (let i = 0; i < 4; i++) {
    into[i]! += row[i]!;
    if (!Number.isSafeInteger(into[i]) || !Number.isSafeInteger(row[i])) {
      throw new RangeError('usage sums past 2^53 cannot be added exactly as numbers');
    }
  }
}

/** A rank no centre has: rows that match no rule. */
const NO_RANK = 2 ** 31;

type Sql = { sql: string; params: unknown[] };

/**
 * The rank of a row's owner (NO_RANK: none) as SQL over usage_dims `d`: the first rank, in
 * order, with a rule value equal to the row's (a CASE over IN lists, which SQLite indexes
 * once per statement), which is the lowest matching rank.
 */
function ownerRankSql(classifier: UsageClassifier): Sql {
  const byRank = new Map<number, Map<DimsField, string[]>>();
  for (const { key, value, rank } of classifier.rules) {
    const keys = byRank.get(rank) ?? new Map<DimsField, string[]>();
    keys.set(key as DimsField, [...(keys.get(key as DimsField) ?? []), value]);
    byRank.set(rank, keys);
  }
  const whens = [...byRank].sort(([a], [b]) => a - b).map(([rank, keys]) => {
    const tests = [...keys].map(([key, values]) => {
      const field = fieldSql(key);
      return { sql: `${field.sql} IN (${values.map(() => '?').join(', ')})`, params: [...field.params, ...values] };
    });
    return { sql: `WHEN ${tests.map((t) => t.sql).join(' OR ')} THEN ${rank}`, params: tests.flatMap((t) => t.params) };
  });
  if (whens.length === 0) return { sql: String(NO_RANK), params: [] };
  return { sql: `CASE ${whens.map((w) => w.sql).join(' ')} ELSE ${NO_RANK} END`, params: whens.flatMap((w) => w.params) };
}

/**
 * Numbers the distinct combinations of (owner's rank, fields) among the month's dims rows
 * from 0 into dim_combo, and places each with the classifier, which sees one row of each;
 * rows of combinations it must see whole get a combination each, numbered after those.
 */
function numberCombinations(db: Ledger, classifier: UsageClassifier, place: (combo: number, found: UsageClass) => void): void {
  const owner = ownerRankSql(classifier);
  const exprs = [owner, ...classifier.fields.map(fieldSql)];
  const params = exprs.flatMap((e) => e.params);
  const select = `SELECT d.id AS id, ${exprs.map((e, i) => `${e.sql} AS f${i}`).join(', ')} FROM usage_dims d`;
  db.prepare(`INSERT INTO temp.dim_combo SELECT id, dense_rank() OVER (ORDER BY ${exprs.map((_, i) => `f${i}`).join(', ')}) - 1
    FROM (${select} JOIN temp.month_dims m ON m.dim_id = d.id)`).run(...params);
  const representatives = db.prepare('SELECT combo, MIN(dim_id) FROM temp.dim_combo GROUP BY combo').raw().all() as [number, number][];
  const fieldsOf = db.prepare(`${select} WHERE d.id = ?`).raw();
  const whole: number[] = [];
  for (const [combo, id] of representatives) {
    const [, rank, ...values] = fieldsOf.get(...params, id) as [number, number, ...(string | null)[]];
    const found = classifier.classify(dimsOfFields(classifier.fields, values), rank === NO_RANK ? null : rank, false);
    if (found === null) whole.push(combo);
    else place(combo, found);
  }
  if (whole.length === 0) return;
  const rows = db.prepare(`SELECT d.id, d.api_key_fp, d.user_name, d.team, d.project, d.model, d.tier, d.environment, d.tags,
    ${owner.sql} FROM temp.dim_combo c JOIN usage_dims d ON d.id = c.dim_id WHERE c.combo IN (SELECT value FROM json_each(?))`).raw()
    .all(...owner.params, JSON.stringify(whole)) as [...DimsRow, number][];
  const update = db.prepare('UPDATE temp.dim_combo SET combo = ? WHERE dim_id = ?');
  const tagsOf = parsedTags();
  let next = representatives.length;
  for (const row of rows) {
    const rank = row[9];
    const found = classifier.classify(dimsOf(row.slice(0, 9) as DimsRow, tagsOf), rank === NO_RANK ? null : rank, true);
    if (found === null) throw new RangeError('a usage classifier must class a whole row');
    place(next, found);
    update.run(next++, row[0]);
  }
}

/** A dims field as an SQL expression over usage_dims `d`: NULL where the row has none. */
function fieldSql(field: DimsField): Sql {
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
  return classifyUsage(db, range, 0, EVERY_ROW).groups();
}

type DimsRow = [number, string, string, string, string, string, string, string, string];

/** Requests, input, output and cached tokens as a group's quantities. */
function quantitiesOf([requests, input, output, cached]: readonly (number | bigint)[]): UsageGroup['quantities'] {
  return {
    ...noQuantities(),
    requests: new Decimal(String(requests)),
    input_tokens: new Decimal(String(input)),
    output_tokens: new Decimal(String(output)),
    cached_input_tokens: new Decimal(String(cached)),
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
  const parts = [{ sql: `SELECT dim_id, day, requests, input_tokens AS input, output_tokens AS output, cached_input_tokens AS cached
    FROM usage_daily WHERE day >= ? AND day < ?`, params: [firstDay, endDay] }, ...edges.map(edgeRows)];
  return { sql: parts.map((p) => p.sql).join(' UNION ALL '), params: parts.flatMap((p) => p.params) };
}

/**
 * The same rows as rowsOf, one piece per UTC day (whole days and the partial edge days), so
 * that grouping each piece sorts one day's rows at a time: measured 40% faster than one sort
 * of the month on 5M events.
 */
function dayPiecesOf(range: MonthRange): { day: number; sql: string; params: number[] }[] {
  const { firstDay, endDay, edges } = split(range);
  const days = Array.from({ length: endDay - firstDay }, (_, i) => ({
    day: firstDay + i,
    sql: `SELECT dim_id, requests, input_tokens AS input, output_tokens AS output, cached_input_tokens AS cached FROM usage_daily WHERE day = ?`,
    params: [firstDay + i],
  }));
  return [...days, ...edges.map((edge) => ({ day: Math.floor(edge[0] / DAY_MS), ...edgeRows(edge) }))];
}

/** A partial day's ok rows: from the quarter-hour sums where the edge lies on them, else from the events. */
function edgeRows([from, to]: [number, number]): { sql: string; params: number[] } {
  if (onQuarters(from, to)) {
    return { sql: `SELECT dim_id, quarter / ${DAY_MS / QUARTER_MS} AS day, requests, input_tokens AS input, output_tokens AS output,
      cached_input_tokens AS cached FROM usage_edges WHERE quarter >= ? AND quarter < ?`, params: [from / QUARTER_MS, to / QUARTER_MS] };
  }
  return { sql: `SELECT dim_id, ts_ms / ${DAY_MS} AS day, 1 AS requests, input_tokens AS input, output_tokens AS output,
    cached_input_tokens AS cached FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? AND status = 'ok'`, params: [from, to] };
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
