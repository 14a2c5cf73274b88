import { Readable } from 'node:stream';
import type pg from 'pg';
import { InputError } from '../../domain/errors.js';
import { connectTimeoutMs, pgUrlProblem } from '../../pg-url.js';

/**
 * LiteLLM's own PostgreSQL (issue 16): the spend log every LiteLLM proxy keeps, read as the
 * JSON lines of a `LiteLLM_SpendLogs` export, so the litellm reader maps them like any file.
 * This is input, not our ledger: the only SQL outside src/ledger/ is this read of someone
 * else's database.
 *
 * Rows are read in (startTime, request_id) order from where the last pull stopped, less an
 * hour: LiteLLM writes spend logs from a queue, so a row can land after a later one was
 * read. Rows read twice are duplicates by their request id; nothing is counted twice.
 */
export interface SpendLogCursor {
  /** LiteLLM's `startTime` as PostgreSQL prints it (UTC, no zone). */
  startTime: string;
  requestId: string;
}

/** Rows read again before the cursor: a spend log row can be written up to this late. */
export const OVERLAP = '1 hour';
const PAGE_ROWS = 5000;

/**
 * The columns a bill needs (never the prompts and responses), with the team's and user's
 * names (JSON columns as their text, which the reader decodes as it reads LiteLLM's CSV
 * exports: a row nested past what JSON.stringify can walk is then rejected alone, not a crash), from the tables of `schema` (Prisma's `?schema=` in LiteLLM's DATABASE_URL), else
 * from the connection's search_path (`public`, or `options=-c search_path=…`).
 */
function selectFrom(schema: string | null): string {
  const table = (name: string) => `${schema === null ? '' : `${quoted(schema)}.`}${quoted(name)}`;
  return `SELECT s.request_id, s.call_type, s.api_key, s.spend, s.total_tokens, s.prompt_tokens, s.completion_tokens,
  s."startTime", s."endTime", s.model, s.model_group, s.custom_llm_provider, s."user", CAST(s.metadata AS text) AS metadata, s.cache_hit,
  CAST(s.request_tags AS text) AS request_tags, s.team_id, s.organization_id, s.end_user, s.status,
  t.team_alias, u.user_email, u.user_alias
  FROM ${table('LiteLLM_SpendLogs')} s
  LEFT JOIN ${table('LiteLLM_TeamTable')} t ON t.team_id = s.team_id
  LEFT JOIN ${table('LiteLLM_UserTable')} u ON u.user_id = s."user"
  WHERE (s."startTime", s.request_id) > ($1::timestamp, $2)
  ORDER BY s."startTime", s.request_id LIMIT ${PAGE_ROWS}`;
}

const quoted = (identifier: string) => `"${identifier.replace(/"/g, '""')}"`;

/**
 * What the URL's parameters say of where to read: Prisma's `schema`, or null. Parameters
 * libpq or node-postgres read pass through; Prisma's own connection settings are its
 * client's, not the server's, and are ignored; any other is refused, so that a setting meant
 * to pick the data is never silently dropped.
 */
const PASSED = ['sslmode', 'sslcert', 'sslkey', 'sslrootcert', 'ssl', 'options', 'application_name', 'fallback_application_name',
  'connect_timeout', 'client_encoding', 'keepalives', 'keepalives_idle', 'target_session_attrs', 'host', 'port', 'user', 'password', 'dbname'];
const PRISMA_CLIENT = ['connection_limit', 'pool_timeout', 'pgbouncer', 'socket_timeout', 'statement_cache_size', 'sslaccept', 'sslidentity', 'sslpassword'];
export function schemaOf(url: string): string | null {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return null;
  }
  const unknown = [...params.keys()].filter((k) => k !== 'schema' && !PASSED.includes(k) && !PRISMA_CLIENT.includes(k));
  if (unknown.length > 0) {
    throw new InputError(sourceName(url), null, null, `the URL parameter${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => `"${k}"`).join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not understood: ` +
      'give the schema as ?schema=NAME (Prisma\'s form) or options=-c search_path=NAME, and leave others out');
  }
  return params.get('schema') || null;
}

/** The database as messages and the ledger name it: the URL without its password or options. */
export function sourceName(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.host}${u.pathname}`;
  } catch {
    return 'postgresql://(unparseable URL)';
  }
}

export interface SpendLogPull {
  name: string;
  /** Whether there is any row to read past the cursor (less the overlap). */
  empty: boolean;
  /** The rows as JSON lines, read page by page. */
  stream: Readable;
  /** The last row read, once the stream has ended. */
  last(): SpendLogCursor | null;
}

/** Opens the spend log past `since` (less the overlap), or from its start. */
export async function pullSpendLogs(url: string, since: SpendLogCursor | null): Promise<SpendLogPull> {
  const name = sourceName(url);
  const fail = (error: unknown) => new InputError(name, null, null, `cannot read LiteLLM's spend log (${(error as Error).message})`);
  // Times as PostgreSQL prints them: a Date would move them into this machine's zone.
  const problem = pgUrlProblem(url);
  if (problem) throw new InputError(name, null, null, problem);
  const select = selectFrom(schemaOf(url));
  // pg is loaded here, for the one command that reads LiteLLM's database, not by every command at start.
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs(url), types: { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 1114 || oid === 1184 ? (v: string) => v : pg.types.getTypeParser(oid, format as 'text')) } });
  try {
    await client.connect();
  } catch (error) {
    throw fail(error);
  }
  let after: [string, string] = since ? [await overlapStart(client, since.startTime).catch((e: unknown) => Promise.reject(fail(e))), ''] : ['-infinity', ''];
  let page: Record<string, unknown>[];
  try {
    page = (await client.query(select, after)).rows as Record<string, unknown>[];
  } catch (error) {
    await client.end().catch(() => undefined);
    throw fail(error);
  }
  let last: SpendLogCursor | null = null;
  const lines = async function* () {
    try {
      while (page.length > 0) {
        const end = page[page.length - 1]!;
        last = { startTime: String(end.startTime), requestId: String(end.request_id) };
        yield `${page.map((row) => JSON.stringify(row)).join('\n')}\n`;
        if (page.length < PAGE_ROWS) break;
        after = [last.startTime, last.requestId];
        page = (await client.query(select, after).catch((e: unknown) => Promise.reject(fail(e)))).rows as Record<string, unknown>[];
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  if (page.length === 0) await client.end().catch(() => undefined);
  return { name, empty: page.length === 0, stream: Readable.from(lines(), { objectMode: false }), last: () => last };
}

async function overlapStart(client: pg.Client, startTime: string): Promise<string> {
  const result = await client.query(`SELECT ($1::timestamp - interval '${OVERLAP}')::text AS at`, [startTime]);
  return String((result.rows[0] as { at: string }).at);
}
