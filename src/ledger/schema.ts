import type Database from 'better-sqlite3';

type Ledger = Database.Database;
import { hash52 } from './event-codec.js';
import { dimsHash52 } from './usage-writer.js';

/**
 * The ledger's schema, one entry per version; a ledger at version N runs entries N.. on open.
 * An entry is SQL, or a function where the step needs one of ours. Never edit an entry that
 * has shipped: add one.
 */
export const MIGRATIONS: readonly (string | ((db: Ledger) => void))[] = [
  `
  CREATE TABLE batches (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    format TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    rows_read INTEGER NOT NULL DEFAULT 0,
    rows_accepted INTEGER NOT NULL DEFAULT 0,
    rows_rejected INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    ignored_columns TEXT NOT NULL DEFAULT '[]',
    rejects_file TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT
  );
  CREATE INDEX batches_by_sha256 ON batches (sha256, source);

  -- Who, what model, tier, environment and tags: one row per distinct combination, which
  -- events point at. '' stands for "none" so that UNIQUE sees equal rows as equal.
  -- Keys are fingerprints only.
  CREATE TABLE usage_dims (
    id INTEGER PRIMARY KEY,
    api_key_fp TEXT NOT NULL,
    api_key_last4 TEXT NOT NULL,
    user_name TEXT NOT NULL,
    team TEXT NOT NULL,
    project TEXT NOT NULL,
    model TEXT NOT NULL,
    tier TEXT NOT NULL,
    environment TEXT NOT NULL,
    tags TEXT NOT NULL,
    UNIQUE (api_key_fp, user_name, team, project, model, tier, environment, tags)
  );

  -- Every stored request; natural_key makes re-ingest idempotent. Token counts are integers.
  -- batch_id and dim_id are not declared as foreign keys: the batch writer takes both from
  -- its own transaction, and checking them on every row cost a tenth of ingest time.
  CREATE TABLE usage_events (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL,
    natural_key TEXT NOT NULL UNIQUE,
    ts_ms INTEGER NOT NULL,
    dim_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    latency_ms REAL
  );

  -- Ok usage summed per UTC day and dims, kept at ingest in the batch's transaction, so that
  -- compute reads a month without scanning its events.
  CREATE TABLE usage_daily (
    day INTEGER NOT NULL,
    dim_id INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    PRIMARY KEY (day, dim_id)
  ) WITHOUT ROWID;

  -- The same at quarter-hour grain, kept only for events on the first and last UTC day of a
  -- month: a month in another zone starts and ends inside those days (offsets are under a
  -- day), so compute reads its edges here instead of needing an index on event times,
  -- which cost two fifths of ingest time at a million rows.
  CREATE TABLE usage_edges (
    quarter INTEGER NOT NULL,
    dim_id INTEGER NOT NULL,
    requests INTEGER NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    PRIMARY KEY (quarter, dim_id)
  ) WITHOUT ROWID;

  -- The UTC days each batch has events on, so a run can name the batches it read.
  CREATE TABLE batch_days (
    batch_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    PRIMARY KEY (day, batch_id)
  ) WITHOUT ROWID;
  CREATE TABLE batch_edges (
    batch_id INTEGER NOT NULL,
    quarter INTEGER NOT NULL,
    PRIMARY KEY (quarter, batch_id)
  ) WITHOUT ROWID;

  -- Runs are never edited: computing again adds a run.
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    rate_card_sha256 TEXT NOT NULL,
    rate_card_file TEXT NOT NULL,
    currency TEXT NOT NULL,
    unallocated TEXT NOT NULL,
    platform TEXT,
    batch_ids TEXT NOT NULL,
    unpriced TEXT NOT NULL,
    warnings TEXT NOT NULL,
    pool_costs TEXT NOT NULL,
    adjustments TEXT NOT NULL DEFAULT '[]',
    reconciled INTEGER NOT NULL,
    created_at TEXT NOT NULL
  );
  -- A month closed on a run: later rows dated in it are refused unless allowed, and a
  -- recompute states each centre's adjustment against that run.
  CREATE TABLE closed_months (
    month TEXT PRIMARY KEY,
    run_id INTEGER NOT NULL REFERENCES runs (id),
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    closed_at TEXT NOT NULL
  );
  CREATE TABLE run_lines (
    run_id INTEGER NOT NULL REFERENCES runs (id),
    seq INTEGER NOT NULL,
    cost_centre TEXT NOT NULL,
    cost_centre_name TEXT NOT NULL,
    pool TEXT NOT NULL,
    method TEXT NOT NULL,
    driver TEXT NOT NULL,
    quantity TEXT,
    unit_price TEXT,
    amount TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  );
  `,
  `
  -- Cloud billing records (SPEC §3.2). Money is decimal text, never a float.
  CREATE TABLE billing_records (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    natural_key TEXT NOT NULL UNIQUE,
    period_start_ms INTEGER NOT NULL,
    period_end_ms INTEGER NOT NULL,
    billed_cost TEXT NOT NULL,
    effective_cost TEXT NOT NULL,
    list_cost TEXT,
    currency TEXT NOT NULL,
    provider TEXT NOT NULL,
    service TEXT NOT NULL,
    resource_id TEXT,
    sku TEXT,
    charge_category TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    line_id TEXT
  );
  CREATE INDEX billing_records_by_period ON billing_records (period_start_ms, period_end_ms);
  `,
  `
  -- GPU telemetry samples (SPEC §3.3), one per (host, gpu, time); intervals are built from
  -- them at compute, across batches. Values are decimal text; NULL is a missing value.
  CREATE TABLE gpu_samples (
    host TEXT NOT NULL,
    gpu TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    batch_id INTEGER NOT NULL,
    util_pct TEXT,
    mem_used_mib TEXT,
    namespace TEXT,
    pod TEXT,
    container TEXT,
    PRIMARY KEY (host, gpu, ts_ms)
  ) WITHOUT ROWID;
  CREATE INDEX gpu_samples_by_ts ON gpu_samples (ts_ms);
  `,
  // Dims rows were found through a unique index on all eight text columns: with realistic
  // logs (a new combination every few rows) maintaining it was a third of ingest. They are
  // found by a 52-bit hash of their columns now, and told apart by their columns.
  (db) => {
    db.function('dims_hash', { deterministic: true, varargs: true }, (...values: unknown[]) => dimsHash52(values));
    db.exec(`
      CREATE TABLE usage_dims_v4 (
        id INTEGER PRIMARY KEY,
        key_hash INTEGER NOT NULL,
        api_key_fp TEXT NOT NULL,
        api_key_last4 TEXT NOT NULL,
        user_name TEXT NOT NULL,
        team TEXT NOT NULL,
        project TEXT NOT NULL,
        model TEXT NOT NULL,
        tier TEXT NOT NULL,
        environment TEXT NOT NULL,
        tags TEXT NOT NULL
      );
      INSERT INTO usage_dims_v4 SELECT id, dims_hash(api_key_fp, user_name, team, project, model, tier, environment, tags),
        api_key_fp, api_key_last4, user_name, team, project, model, tier, environment, tags FROM usage_dims;
      DROP TABLE usage_dims;
      ALTER TABLE usage_dims_v4 RENAME TO usage_dims;
      CREATE INDEX usage_dims_by_hash ON usage_dims (key_hash);
    `);
  },
  // Natural keys were unique through an index on their text: random request ids made every
  // insert land on a random page of it, a third of ingest. They are unique through a 52-bit
  // hash now; a key whose hash another key holds is kept without one (usage-writer.ts).
  (db) => {
    db.function('key_hash', { deterministic: true }, (key: unknown) => hash52(String(key)));
    db.exec(`
      CREATE TABLE usage_events_v5 (
        id INTEGER PRIMARY KEY,
        batch_id INTEGER NOT NULL,
        natural_key TEXT NOT NULL,
        key_hash INTEGER UNIQUE,
        ts_ms INTEGER NOT NULL,
        dim_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        input_tokens INTEGER NOT NULL,
        output_tokens INTEGER NOT NULL,
        cached_input_tokens INTEGER NOT NULL,
        latency_ms REAL
      );
      INSERT INTO usage_events_v5 (id, batch_id, natural_key, key_hash, ts_ms, dim_id, status, input_tokens, output_tokens,
        cached_input_tokens, latency_ms)
        SELECT id, batch_id, natural_key, NULL, ts_ms, dim_id, status, input_tokens, output_tokens, cached_input_tokens, latency_ms
        FROM usage_events;
      UPDATE OR IGNORE usage_events_v5 SET key_hash = key_hash(natural_key);
      DROP TABLE usage_events;
      ALTER TABLE usage_events_v5 RENAME TO usage_events;
      CREATE INDEX usage_events_without_hash ON usage_events (natural_key) WHERE key_hash IS NULL;
    `);
  },
  // A run must be recomputable from the ledger alone (SPEC §5, runs --verify): it keeps the
  // card's text, the tool's version and the GPU gap it was computed with.
  `
  ALTER TABLE runs ADD COLUMN rate_card_text TEXT;
  ALTER TABLE runs ADD COLUMN tool_version TEXT;
  ALTER TABLE runs ADD COLUMN max_gap_ms INTEGER;
  -- The options that changed how a batch's bytes were parsed: the same bytes read with other
  -- options (or after a batch that stored nothing) are a new attempt, not a no-op.
  ALTER TABLE batches ADD COLUMN parse_options TEXT NOT NULL DEFAULT '{}';
  -- Each line's amount term by term (explain), as JSON [what, amount] pairs.
  ALTER TABLE run_lines ADD COLUMN parts TEXT;
  -- The invoice's billing period of a record, when its export names it: billed cost follows it.
  ALTER TABLE billing_records ADD COLUMN billing_period_start_ms INTEGER;
  ALTER TABLE billing_records ADD COLUMN billing_period_end_ms INTEGER;
  `,
  // Bucketed usage (a provider's usage API: tokens and requests per day and key) stands for
  // many requests at once: the requests driver counts the API's own number (issue 16).
  `
  ALTER TABLE usage_events ADD COLUMN requests INTEGER NOT NULL DEFAULT 1;
  `,
  // Where each pull from a database (LiteLLM's spend log) stopped, so the next reads on from there.
  `
  CREATE TABLE pulls (
    source TEXT PRIMARY KEY,
    cursor TEXT NOT NULL,
    batch_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL
  );
  `,
  // Samples of cumulative counters (vLLM's token counters), per series: usage is the increase
  // from one sample to the next, so the last one of each series must be kept.
  `
  CREATE TABLE counter_samples (
    series TEXT NOT NULL,
    ts_ms INTEGER NOT NULL,
    value REAL NOT NULL,
    batch_id INTEGER NOT NULL,
    PRIMARY KEY (series, ts_ms)
  ) WITHOUT ROWID;
  `,
  // A MIG slice's share of its physical GPU (issue 17): its GPU-hours count at that share.
  `
  ALTER TABLE gpu_samples ADD COLUMN share TEXT;
  `,
  // A sample that says how long it lasts (an OpenCost allocation window).
  `
  ALTER TABLE gpu_samples ADD COLUMN length_ms INTEGER;
  `,
  // A MIG slice's profile, so a card's mig_shares can say its share at compute.
  `
  ALTER TABLE gpu_samples ADD COLUMN profile TEXT;
  `,
  version13({ key: 'INTEGER PRIMARY KEY', integer: 'INTEGER' }),
  version14(),
  version15({ key: 'INTEGER PRIMARY KEY', integer: 'INTEGER' }),
  version16(),
  version17({ key: 'INTEGER PRIMARY KEY' }),
];

/**
 * Version 17, for both backends in their own types (issue 35). Budget alerts: one row per
 * month, centre, kind and threshold, claimed by the run sending it and marked sent when
 * delivered, so a crossing is sent once from any number of hosts. GPU samples keep the
 * energy counter (DCGM's total energy, mJ) and the power draw (W), what a pool's energy
 * cost and the gpu_energy_kwh driver are measured from.
 */
export function version17({ key }: { key: string }): string {
  return `
  CREATE TABLE budget_alerts (
    id ${key},
    month TEXT NOT NULL,
    cost_centre TEXT NOT NULL,
    kind TEXT NOT NULL,
    threshold TEXT NOT NULL,
    state TEXT NOT NULL,
    claim TEXT NOT NULL,
    claimed_at TEXT NOT NULL,
    sent_at TEXT,
    target TEXT,
    message TEXT,
    UNIQUE (month, cost_centre, kind, threshold)
  );
  ALTER TABLE gpu_samples ADD COLUMN energy_mj TEXT;
  ALTER TABLE gpu_samples ADD COLUMN power_w TEXT;
  `;
}

/**
 * Version 16, the same on both backends: which commitment (a reservation, a Savings Plan, a
 * FOCUS CommitmentDiscountId) a billing record is used or unused commitment of, so the report
 * shows each one's utilisation (issue 33).
 */
export function version16(): string {
  return 'ALTER TABLE billing_records ADD COLUMN commitment_id TEXT;';
}

/**
 * Version 13, for both backends in their own types (the PostgreSQL schema adds it as its
 * second entry). Every journal `export erp` wrote (issue 28): each is posted once, and what a
 * month's journals add up to is known. Batches keep the flags that changed what they stored
 * and the incomplete last line a read held back. Bills keep who they belong to (account,
 * subscription, project, resource group) and their commitment, for direct attribution (issue
 * 29); run lines the usage behind them; events and their sums the token classes: cache writes
 * (5-minute, 1-hour; part of input), reasoning (part of output) and web-search calls. The
 * column lists are written out: a shipped entry never changes.
 */
export function version13({ key, integer }: { key: string; integer: string }): string {
  const classes = ['cache_write_tokens', 'cache_write_1h_tokens', 'reasoning_tokens', 'web_search_calls'];
  return `
  CREATE TABLE exports (
    id ${key},
    month TEXT NOT NULL,
    run_id ${integer} NOT NULL,
    base_run_id ${integer},
    document TEXT NOT NULL,
    kind TEXT NOT NULL,
    period TEXT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    lines ${integer} NOT NULL,
    exported_at TEXT NOT NULL
  );
  CREATE INDEX exports_by_month ON exports (month, id);
  ALTER TABLE batches ADD COLUMN flags TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE batches ADD COLUMN held_back ${integer};
  ${['account', 'subscription', 'project', 'resource_group', 'commitment'].map((column) => `ALTER TABLE billing_records ADD COLUMN ${column} TEXT;`).join('\n  ')}
  ALTER TABLE run_lines ADD COLUMN usage TEXT;
  ${['usage_events', 'usage_daily', 'usage_edges'].flatMap((table) => classes.map((column) => `ALTER TABLE ${table} ADD COLUMN ${column} ${integer} NOT NULL DEFAULT 0;`)).join('\n  ')}
  `;
}

/**
 * Version 14, the same text for both backends. A run keeps the text of every file its card
 * loads (a price-list pool's LiteLLM price map), so that it recomputes from the ledger alone;
 * a bill keeps the model it charges where the export names one (FOCUS SkuPriceDetails, the
 * OpenAI costs API's line item), so a price list can be held to the invoice model by model;
 * a run line keeps what lies behind it (issue 30), so a run's drill-down is its books.
 */
export function version14(): string {
  return `
  ALTER TABLE runs ADD COLUMN rate_card_files TEXT;
  ALTER TABLE billing_records ADD COLUMN model TEXT;
  ALTER TABLE run_lines ADD COLUMN breakdown TEXT;
  ALTER TABLE runs ADD COLUMN views TEXT;
  `;
}

/**
 * Version 15, for both backends in their own types (issue 30): a dims row was eight strings,
 * and a month's classification and drill-down sorted and matched them row by row. Identities
 * (key, user, team, project) and attribute sets (model, tier, environment, tags) are
 * interned once each, and a dims row is the pair of their ids; a month resolves owners per
 * identity and per attribute set, and groups by integers. Dims ids are kept, so events, sums
 * and runs are untouched. `resequence` makes PostgreSQL's id sequence follow the kept ids.
 */
export function version15({ key, integer, resequence = '' }: { key: string; integer: string; resequence?: string }): string {
  return `
  CREATE TABLE usage_identities (
    id ${key},
    api_key_fp TEXT NOT NULL,
    api_key_last4 TEXT NOT NULL,
    user_name TEXT NOT NULL,
    team TEXT NOT NULL,
    project TEXT NOT NULL,
    UNIQUE (api_key_fp, user_name, team, project)
  );
  CREATE TABLE usage_attributes (
    id ${key},
    model TEXT NOT NULL,
    tier TEXT NOT NULL,
    environment TEXT NOT NULL,
    tags TEXT NOT NULL,
    UNIQUE (model, tier, environment, tags)
  );
  INSERT INTO usage_identities (api_key_fp, api_key_last4, user_name, team, project)
    SELECT api_key_fp, api_key_last4, user_name, team, project FROM usage_dims
    WHERE id IN (SELECT MIN(id) FROM usage_dims GROUP BY api_key_fp, user_name, team, project) ORDER BY id;
  INSERT INTO usage_attributes (model, tier, environment, tags)
    SELECT model, tier, environment, tags FROM usage_dims
    WHERE id IN (SELECT MIN(id) FROM usage_dims GROUP BY model, tier, environment, tags) ORDER BY id;
  CREATE TABLE usage_dims_v15 (
    id ${key},
    identity_id ${integer} NOT NULL,
    attributes_id ${integer} NOT NULL,
    UNIQUE (identity_id, attributes_id)
  );
  INSERT INTO usage_dims_v15 (id, identity_id, attributes_id)
    SELECT d.id, i.id, a.id FROM usage_dims d
    JOIN usage_identities i ON i.api_key_fp = d.api_key_fp AND i.user_name = d.user_name AND i.team = d.team AND i.project = d.project
    JOIN usage_attributes a ON a.model = d.model AND a.tier = d.tier AND a.environment = d.environment AND a.tags = d.tags
    ORDER BY d.id;
  DROP TABLE usage_dims;
  ALTER TABLE usage_dims_v15 RENAME TO usage_dims;
  ${resequence}
  `;
}
