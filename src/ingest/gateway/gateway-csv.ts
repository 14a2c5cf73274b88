import { recordReader, type FieldSpec } from '../record-reader.js';

/**
 * The native gateway CSV of SPEC §3.1, as a record format like the others: header names
 * (lower case) each field is known by, since exports drift; `tag.NAME` columns are tags.
 * Its stricter rules (times with an offset, ok/error statuses, a header check) are the
 * mapper's `native` ones; its columns compile to indexes, so it stays fast.
 */
const fields: FieldSpec = {
  timestamp: ['timestamp', 'ts', 'time'],
  requestId: ['request_id', 'requestid'],
  apiKey: ['api_key', 'apikey'],
  user: ['user', 'user_id'],
  team: ['team', 'team_id'],
  project: ['project', 'project_id'],
  model: ['model'],
  inputTokens: ['input_tokens', 'prompt_tokens'],
  outputTokens: ['output_tokens', 'completion_tokens'],
  cachedInputTokens: ['cached_input_tokens', 'cached_tokens'],
  cacheWriteTokens: ['cache_write_tokens'],
  cacheWrite1hTokens: ['cache_write_1h_tokens'],
  reasoningTokens: ['reasoning_tokens'],
  webSearchCalls: ['web_search_calls'],
  latencyMs: ['latency_ms', 'latency'],
  status: ['status', 'status_code'],
  tier: ['tier', 'service_tier'],
  environment: ['environment', 'env'],
};

const REQUIRED = [fields.timestamp, fields.model, fields.inputTokens, fields.outputTokens];

export const gatewayCsv = recordReader({
  format: 'csv',
  shape: 'csv',
  signature: [],
  detect: (names) => REQUIRED.every((aliases) => aliases.some((a) => names.includes(a))),
  fields,
  native: true,
});
