import { newTags } from '../domain/tags.js';
// How the month's dims rows become combinations: each row's owner resolved from the card's
// rules, the fields the classifier reads, and a number per distinct (owner, fields), in SQL.
import type { Identity } from '../domain/types.js';
import type { DimsField, UsageClass, UsageClassifier, UsageDims } from '../domain/usage-classes.js';
import { phrases } from './dialect.js';
import type { Ledger } from './engine.js';
import { DIMS_VALUES } from './usage-writer.js';

/**
 * Where each dims field lives ('' there stands for "none"): identity fields in
 * usage_identities `i`, the rest in usage_attributes `a` (schema version 15).
 */
const COLUMNS: Record<string, string> = {
  api_key: 'i.api_key_fp', user: 'i.user_name', team: 'i.team', project: 'i.project',
  model: 'a.model', tier: 'a.tier', environment: 'a.environment',
};
const IDENTITY_SIDE = new Set(['api_key', 'user', 'team', 'project']);

/** A rank no centre has: rows that match no rule. */
const NO_RANK = 2 ** 31;

type Sql = { sql: string; params: unknown[] };

/**
 * The rank of a row's owner among `rules` (NO_RANK: none) as SQL over its side's table: the
 * first rank, in order, with a rule value equal to the row's (a CASE over IN lists, which
 * SQLite indexes once per statement), which is the lowest matching rank.
 */
function ownerRankSql(db: Ledger, rules: UsageClassifier['rules']): Sql {
  const byRank = new Map<number, Map<DimsField, string[]>>();
  for (const { key, value, rank } of rules) {
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

/** The two sides of a dims row: its identity and its attribute set, each interned in its own table. */
const SIDES = [
  { alias: 'i', table: 'usage_identities', column: 'identity_id', classes: 'identity_class', identity: true },
  { alias: 'a', table: 'usage_attributes', column: 'attributes_id', classes: 'attributes_class', identity: false },
] as const;

/**
 * Numbers the distinct combinations of (owner's rank, fields) among the month's dims rows
 * from 0 into dim_combo, and places each with the classifier, which sees one row of each;
 * rows of combinations it must see whole get a combination each, numbered after those.
 * Each identity and each attribute set of the month is matched against the card's rules
 * once (a row's owner is the lower of its two sides' ranks: the first rule either matches)
 * and its fields numbered; the dims rows then combine two pairs of integers.
 */
export function numberCombinations(db: Ledger, classifier: UsageClassifier, place: (combo: number, found: UsageClass) => void): void {
  const { integerKey, least } = phrases(db);
  for (const side of SIDES) {
    const rules = classifier.rules.filter((rule) => IDENTITY_SIDE.has(rule.key) === side.identity);
    const fields = classifier.fields.filter((field) => IDENTITY_SIDE.has(field) === side.identity).map((field) => fieldSql(db, field));
    const owner = ownerRankSql(db, rules);
    db.exec(`CREATE TEMP TABLE IF NOT EXISTS ${side.classes} (id ${integerKey}, owner BIGINT NOT NULL, fields BIGINT NOT NULL); DELETE FROM ${side.classes};`);
    const numbered = fields.length === 0 ? '0' : `dense_rank() OVER (ORDER BY ${fields.map((_, i) => `f${i}`).join(', ')})`;
    db.prepare(`INSERT INTO ${side.classes} SELECT id, owner, ${numbered} FROM (
      SELECT ${side.alias}.id AS id, ${owner.sql} AS owner${fields.map((f, i) => `, ${f.sql} AS f${i}`).join('')} FROM ${side.table} ${side.alias}
      WHERE ${side.alias}.id IN (SELECT d.${side.column} FROM month_dims m JOIN usage_dims d ON d.id = m.dim_id)) AS fields`)
      .run(...owner.params, ...fields.flatMap((f) => f.params));
  }
  // Identity fields come first in a classifier's fields (EVERY_ROW's order), so this numbers
  // the combinations in the order of (rank, fields) as the rows' own values would.
  const rank = least('ic.owner', 'ac.owner');
  const classes = 'JOIN identity_class ic ON ic.id = d.identity_id JOIN attributes_class ac ON ac.id = d.attributes_id';
  db.prepare(`INSERT INTO dim_combo SELECT d.id, dense_rank() OVER (ORDER BY ${rank}, ic.fields, ac.fields) - 1, d.identity_id
    FROM month_dims m JOIN usage_dims d ON d.id = m.dim_id ${classes}`).run();
  const fields = classifier.fields.map((field) => fieldSql(db, field));
  const wide = `${classes} ${DIMS_VALUES}`;
  // One row of each combination, all in one query (a query per combination cost PostgreSQL a round trip each).
  const representatives = db.prepare(`SELECT r.combo, ${rank}${fields.map((f) => `, ${f.sql}`).join('')}
    FROM (SELECT combo, MIN(dim_id) AS dim_id FROM dim_combo GROUP BY combo) r JOIN usage_dims d ON d.id = r.dim_id ${wide} ORDER BY r.combo`)
    .raw().all(...fields.flatMap((f) => f.params)) as [number, number, ...(string | null)[]][];
  const whole: number[] = [];
  for (const [comboValue, owner, ...values] of representatives) {
    const combo = Number(comboValue);
    const found = classifier.classify(dimsOfFields(classifier.fields, values), Number(owner) === NO_RANK ? null : Number(owner), false);
    if (found === null) whole.push(combo);
    else place(combo, found);
  }
  if (whole.length === 0) return;
  const rows = db.prepare(`SELECT d.id, i.api_key_fp, i.user_name, i.team, i.project, a.model, a.tier, a.environment, a.tags,
    ${rank} FROM dim_combo c JOIN usage_dims d ON d.id = c.dim_id ${wide} WHERE ${phrases(db).inJsonList('c.combo')}`).raw()
    .all(JSON.stringify(whole)) as [...DimsRow, number][];
  const update = db.prepare('UPDATE dim_combo SET combo = ? WHERE dim_id = ?');
  const tagsOf = parsedTags();
  let next = representatives.length;
  for (const row of rows) {
    const owner = Number(row[9]);
    const found = classifier.classify(dimsOf(row.slice(0, 9) as DimsRow, tagsOf), owner === NO_RANK ? null : owner, true);
    if (found === null) throw new RangeError('a usage classifier must class a whole row');
    place(next, found);
    update.run(next++, row[0]);
  }
}

/** A dims field as an SQL expression over usage_identities `i` or usage_attributes `a`: NULL where the row has none. */
function fieldSql(db: Ledger, field: DimsField): Sql {
  const column = COLUMNS[field];
  if (column) return { sql: `NULLIF(${column}, '')`, params: [] };
  // Tags are canonical JSON objects of strings.
  return { sql: phrases(db).tagValue('a.tags'), params: [phrases(db).tagParam(field.slice(4))] };
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
