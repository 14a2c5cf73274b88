import type { Dialect, Ledger } from './engine.js';

/**
 * The few SQL phrases whose words differ between SQLite and PostgreSQL, one entry per
 * dialect; every other statement of the ledger is written once, for both (engine.ts).
 */
interface Phrases {
  /** `expr` is one of the integers of the JSON array given as the next parameter. */
  inJsonList(expr: string): string;
  /** A tag's value (NULL when absent) in the canonical JSON tags column; its parameter is `tagParam`. */
  tagValue(column: string): string;
  tagParam(name: string): string;
  /** An aggregate: the group's values as text, space-separated. */
  joined(expr: string): string;
  /** An integer key column of a temporary table. */
  integerKey: string;
  /** The lower of two values. */
  least(a: string, b: string): string;
}

const PHRASES: Record<Dialect, Phrases> = {
  sqlite: {
    inJsonList: (expr) => `${expr} IN (SELECT value FROM json_each(?))`,
    tagValue: (column) => `json_extract(${column}, ?)`,
    // A name is quoted as a JSON path label: any character may be in it.
    tagParam: (name) => `$.${JSON.stringify(name)}`,
    joined: (expr) => `GROUP_CONCAT(${expr}, ' ')`,
    // SQLite's rowid: the cheapest key it has.
    integerKey: 'INTEGER PRIMARY KEY',
    least: (a, b) => `MIN(${a}, ${b})`,
  },
  postgresql: {
    inJsonList: (expr) => `${expr} IN (SELECT CAST(value AS BIGINT) FROM json_array_elements_text(CAST(? AS json)))`,
    tagValue: (column) => `(CAST(${column} AS jsonb) ->> CAST(? AS text))`,
    tagParam: (name) => name,
    joined: (expr) => `string_agg(CAST(${expr} AS text), ' ')`,
    integerKey: 'BIGINT PRIMARY KEY',
    least: (a, b) => `LEAST(${a}, ${b})`,
  },
};

export const phrases = (ledger: Ledger): Phrases => PHRASES[ledger.dialect];
