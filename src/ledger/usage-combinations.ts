import { newTags } from '../domain/tags.js';
// How the month's dims rows become combinations: each row's owner resolved from the card's
// rules, the fields the classifier reads, and a number per distinct (owner, fields), in SQL.
import type { Identity } from '../domain/types.js';
import type { DimsField, UsageClass, UsageClassifier, UsageDims } from '../domain/usage-classes.js';
import { phrases } from './dialect.js';
import type { Ledger } from './engine.js';

/** Where each dims field lives in usage_dims ('' there stands for "none"). */
const COLUMNS: Record<string, string> = {
  api_key: 'd.api_key_fp', user: 'd.user_name', team: 'd.team', project: 'd.project',
  model: 'd.model', tier: 'd.tier', environment: 'd.environment',
};

/** A rank no centre has: rows that match no rule. */
const NO_RANK = 2 ** 31;

type Sql = { sql: string; params: unknown[] };

/**
 * The rank of a row's owner (NO_RANK: none) as SQL over usage_dims `d`: the first rank, in
 * order, with a rule value equal to the row's (a CASE over IN lists, which SQLite indexes
 * once per statement), which is the lowest matching rank.
 */
function ownerRankSql(db: Ledger, classifier: UsageClassifier): Sql {
  const byRank = new Map<number, Map<DimsField, string[]>>();
  for (const { key, value, rank } of classifier.rules) {
    const keys = byRank.get(rank) ?? new Map<DimsField, string[]>();
    keys.set(key as DimsField, [...(keys.get(key as DimsField) ?? []), value]);
    byRank.set(rank, keys);
  }
  const whens = [...byRank].sort(([a], [b]) => a - b).map(([rank, keys]) => {
    const tests = [...keys].map(([key, values]) => {
      const field = fieldSql(db, key);
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
export function numberCombinations(db: Ledger, classifier: UsageClassifier, place: (combo: number, found: UsageClass) => void): void {
  const owner = ownerRankSql(db, classifier);
  const exprs = [owner, ...classifier.fields.map((field) => fieldSql(db, field))];
  const params = exprs.flatMap((e) => e.params);
  const select = `SELECT d.id AS id, ${exprs.map((e, i) => `${e.sql} AS f${i}`).join(', ')} FROM usage_dims d`;
  db.prepare(`INSERT INTO dim_combo SELECT id, dense_rank() OVER (ORDER BY ${exprs.map((_, i) => `f${i}`).join(', ')}) - 1
    FROM (${select} JOIN month_dims m ON m.dim_id = d.id) AS fields`).run(...params);
  const representatives = db.prepare('SELECT combo, MIN(dim_id) FROM dim_combo GROUP BY combo').raw().all() as [number, number][];
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
    ${owner.sql} FROM dim_combo c JOIN usage_dims d ON d.id = c.dim_id WHERE ${phrases(db).inJsonList('c.combo')}`).raw()
    .all(...owner.params, JSON.stringify(whole)) as [...DimsRow, number][];
  const update = db.prepare('UPDATE dim_combo SET combo = ? WHERE dim_id = ?');
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
function fieldSql(db: Ledger, field: DimsField): Sql {
  const column = COLUMNS[field];
  if (column) return { sql: `NULLIF(${column}, '')`, params: [] };
  // Tags are canonical JSON objects of strings.
  return { sql: phrases(db).tagValue('d.tags'), params: [phrases(db).tagParam(field.slice(4))] };
}

/** A combination of field values as the dims row the classifier sees (absent: not read, or none). */
function dimsOfFields(fields: readonly DimsField[], values: readonly (string | null)[]): UsageDims {
  const dims: UsageDims & { identity: Record<string, string>; tags: Record<string, string> } = { identity: {}, model: '', tags: newTags() };
  fields.forEach((field, i) => {
    const value = values[i];
    if (value === null || value === undefined) return;
    if (field.startsWith('tag.')) dims.tags[field.slice(4)] = value;
    else if (field === 'model' || field === 'tier' || field === 'environment') dims[field] = value;
    else dims.identity[field] = value;
  });
  return dims;
}

export type DimsRow = [number, string, string, string, string, string, string, string, string];

/** '' stands for "none" in the dims table. */
const present = <K extends string>(key: K, value: string): { [P in K]?: string } =>
  (value === '' ? {} : { [key]: value }) as { [P in K]?: string };

export function identityOf(fp: string, user: string, team: string, project: string): Identity {
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
