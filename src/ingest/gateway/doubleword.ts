import { recordReader, type FieldSpec } from '../record-reader.js';

/**
 * The Doubleword control layer's `http_analytics` table exported as CSV: `timestamp`
 * (Postgres timestamptz text, `2025-09-01 10:00:00.123+00`), `user_email`, `model`,
 * `prompt_tokens`, `completion_tokens`, `total_tokens`, `status_code`, `duration_ms`, and the
 * row's `id` as the request id.
 */
const fields: FieldSpec = {
  timestamp: ['timestamp', 'created_at'],
  requestId: ['id', 'correlation_id'],
  user: ['user_email', 'user_id'],
  team: [],
  project: [],
  model: ['model'],
  inputTokens: ['prompt_tokens'],
  outputTokens: ['completion_tokens'],
  cachedInputTokens: [],
  latencyMs: ['duration_ms'],
  status: ['status_code'],
  tier: [],
  environment: [],
};

export const doubleword = recordReader(
  { format: 'doubleword', shape: 'csv', signature: ['user_email', 'model', 'prompt_tokens', 'completion_tokens'], fields },
  ['total_tokens', 'instance_id'],
);
