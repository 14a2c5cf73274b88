import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Writes Parquet files for tests with DuckDB (a devDependency, also the bench's baseline):
 * a writer independent of the reader under test, so a test is not the library checking
 * itself. `select` is a DuckDB query over the CSV at `csv`, named `src` as DuckDB types its
 * columns and `src_text` with every column text.
 */
export async function writeParquet(csv: string, out: string, select = 'SELECT * FROM src', options = ''): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    await connection.run(`CREATE TABLE src AS SELECT * FROM read_csv(${quote(csv)}, header = true)`);
    await connection.run(`CREATE TABLE src_text AS SELECT * FROM read_csv(${quote(csv)}, header = true, all_varchar = true)`);
    await connection.run(`COPY (${select}) TO ${quote(out)} (FORMAT parquet${options ? `, ${options}` : ''})`);
  } finally {
    connection.closeSync();
  }
}

/** Runs one DuckDB query and returns its rows as JSON-ready values. */
export async function duckdbRows(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
  }
}

export const quote = (text: string) => `'${text.replaceAll("'", "''")}'`;
