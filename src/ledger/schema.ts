/**
 * The ledger's schema, one entry per version; a ledger at version N runs entries N.. on open.
 * Never edit an entry that has shipped: add one.
 */
export const MIGRATIONS: readonly string[] = [
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

  -- Money never lives here; token counts are integers. Keys are fingerprints only.
  CREATE TABLE usage_events (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES batches (id),
    natural_key TEXT NOT NULL UNIQUE,
    ts_ms INTEGER NOT NULL,
    request_id TEXT,
    api_key_fp TEXT,
    api_key_last4 TEXT,
    user_name TEXT,
    team TEXT,
    project TEXT,
    model TEXT NOT NULL,
    input_tokens INTEGER NOT NULL,
    output_tokens INTEGER NOT NULL,
    cached_input_tokens INTEGER NOT NULL,
    latency_ms REAL,
    status TEXT NOT NULL,
    tier TEXT,
    environment TEXT,
    tags TEXT NOT NULL DEFAULT '{}'
  );
  CREATE INDEX usage_events_by_ts ON usage_events (ts_ms);

  -- Runs are never edited: computing again adds a run.
  CREATE TABLE runs (
    id INTEGER PRIMARY KEY,
    month TEXT NOT NULL,
    rate_card_sha256 TEXT NOT NULL,
    rate_card_file TEXT NOT NULL,
    currency TEXT NOT NULL,
    unallocated TEXT NOT NULL,
    batch_ids TEXT NOT NULL,
    unpriced TEXT NOT NULL,
    warnings TEXT NOT NULL,
    reconciled INTEGER NOT NULL,
    created_at TEXT NOT NULL
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
];
