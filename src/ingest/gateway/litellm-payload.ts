import { recordReader, tagsFromStrings, type FieldSpec, type RecordView } from '../record-reader.js';

/**
 * LiteLLM's StandardLoggingPayload: what its S3, GCS, Pub/Sub and generic loggers write, one
 * object or JSON lines. The identity is the key's hash (`metadata.user_api_key_hash`, the
 * SHA-256 LiteLLM keeps, so a card's raw key still matches), the key's user and team.
 * `startTime` has no zone (UTC unless --tz). The model is `model_group` when set.
 */
const fields: FieldSpec = {
  timestamp: ['starttime', 'start_time'],
  requestId: ['id', 'litellm_call_id'],
  apiKeyHash: ['metadata.user_api_key_hash'],
  user: ['metadata.user_api_key_user_id', 'end_user'],
  team: ['metadata.user_api_key_team_id'],
  project: [],
  model: ['model_group', 'model'],
  inputTokens: ['prompt_tokens'],
  outputTokens: ['completion_tokens'],
  cachedInputTokens: ['response.usage.prompt_tokens_details.cached_tokens'],
  cacheWriteTokens: ['response.usage.cache_creation_input_tokens'],
  reasoningTokens: ['response.usage.completion_tokens_details.reasoning_tokens'],
  latencyMs: [],
  status: ['status'],
  tier: [],
  environment: [],
  tags: (record: RecordView) => tagsFromStrings(record.value('request_tags')),
};

export const litellmPayload = recordReader(
  { format: 'litellm-payload', shape: 'json', signature: ['call_type', 'starttime', 'prompt_tokens', 'completion_tokens'], fields },
  ['metadata', 'request_tags', 'response_cost', 'response', 'messages', 'hidden_params', 'model_map_information'],
);
