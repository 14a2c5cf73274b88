import type { Ledger } from './engine.js';

/**
 * Where the last pull from a source (a database, named without its password) stopped, as the
 * source's own JSON cursor. Saved after the pull's batch commits: a pull cut short before it
 * reads again from the old cursor, and row keys stop anything counting twice.
 */
export function pullCursor<T>(db: Ledger, source: string): T | null {
  const row = db.prepare('SELECT cursor FROM pulls WHERE source = ?').pluck().get(source) as string | undefined;
  return row === undefined ? null : (JSON.parse(row) as T);
}

export function savePullCursor(db: Ledger, source: string, cursor: unknown, batchId: number, at: string): void {
  db.prepare(`INSERT INTO pulls (source, cursor, batch_id, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, batch_id = excluded.batch_id, updated_at = excluded.updated_at`)
    .run(source, JSON.stringify(cursor), batchId, at);
}
