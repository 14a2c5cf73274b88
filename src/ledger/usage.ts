import { noQuantities } from '../domain/drivers.js';
import { Decimal } from '../domain/money.js';
import type { MonthRange } from '../domain/month.js';
import type { UsageGroup } from '../domain/types.js';
import type { Ledger } from './open.js';

interface GroupRow {
  api_key_fp: string | null;
  user_name: string | null;
  team: string | null;
  project: string | null;
  model: string;
  tier: string | null;
  environment: string | null;
  tags: string;
  requests: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cached_input_tokens: bigint;
}

const present = <K extends string>(key: K, value: string | null): { [P in K]?: string } =>
  (value === null || value === '' ? {} : { [key]: value }) as { [P in K]?: string };

/**
 * The month's ok gateway usage summed per identity, model, tier, environment and tags:
 * SQLite aggregates, so compute never holds single events. Sums are read as BigInt.
 */
export function usageGroups(db: Ledger, range: MonthRange): UsageGroup[] {
  const rows = db
    .prepare(
      `SELECT api_key_fp, user_name, team, project, model, tier, environment, tags,
         COUNT(*) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
         SUM(cached_input_tokens) AS cached_input_tokens
       FROM usage_events
       WHERE ts_ms >= ? AND ts_ms < ? AND status = 'ok'
       GROUP BY api_key_fp, user_name, team, project, model, tier, environment, tags`,
    )
    .safeIntegers(true)
    .all(range.startMs, range.endMs) as GroupRow[];
  return rows.map((row) => ({
    source: 'gateway',
    identity: {
      ...present('api_key', row.api_key_fp),
      ...present('user', row.user_name),
      ...present('team', row.team),
      ...present('project', row.project),
    },
    ...present('model', row.model),
    ...present('tier', row.tier),
    ...present('environment', row.environment),
    tags: JSON.parse(row.tags) as Record<string, string>,
    quantities: {
      ...noQuantities(),
      requests: new Decimal(row.requests.toString()),
      input_tokens: new Decimal(row.input_tokens.toString()),
      output_tokens: new Decimal(row.output_tokens.toString()),
      cached_input_tokens: new Decimal(row.cached_input_tokens.toString()),
    },
  }));
}

/** The ids of the batches that hold any event dated in the month. */
export function batchesInRange(db: Ledger, range: MonthRange): number[] {
  const rows = db
    .prepare('SELECT DISTINCT batch_id AS id FROM usage_events WHERE ts_ms >= ? AND ts_ms < ? ORDER BY batch_id')
    .all(range.startMs, range.endMs) as { id: number }[];
  return rows.map((r) => r.id);
}
