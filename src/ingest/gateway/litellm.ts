import { recordReader, tagsFromStrings, type FieldSpec, type RecordView } from '../record-reader.js';

/**
 * LiteLLM proxy spend logs (`LiteLLM_SpendLogs`), exported as CSV, JSON lines or a JSON array.
 * `api_key` is already LiteLLM's SHA-256 of the key, so its first 12 hex are our fingerprint
 * and a rate card's raw key still matches. `startTime` has no zone: UTC unless `--tz`.
 * The model is `model_group` (the name callers asked for) when set, else `model`. Tags come
 * from `request_tags` and `metadata.tags` (`key:value` strings). LiteLLM's own `spend` is
 * never used as a cost.
 */
const fields: FieldSpec = {
  timestamp: ['starttime', 'start_time'],
  requestId: ['request_id'],
  apiKeyHash: ['api_key'],
  user: ['user', 'metadata.user_api_key_user_id', 'end_user'],
  team: ['team_id', 'metadata.user_api_key_team_id'],
  project: ['metadata.user_api_key_project_alias', 'metadata.user_api_key_project_id'],
  model: ['model_group', 'model'],
  inputTokens: ['prompt_tokens'],
  outputTokens: ['completion_tokens'],
  cachedInputTokens: ['metadata.usage_object.prompt_tokens_details.cached_tokens'],
  // LiteLLM's usage object: reasoning under completion_tokens_details, Anthropic's cache writes at its top.
  cacheWriteTokens: ['metadata.usage_object.cache_creation_input_tokens'],
  reasoningTokens: ['metadata.usage_object.completion_tokens_details.reasoning_tokens'],
  latencyMs: [],
  status: ['status'],
  tier: [],
  environment: [],
  tags: (record: RecordView) => ({ ...tagsFromStrings(record.value('metadata.tags')), ...tagsFromStrings(record.value('request_tags')), ...names(record) }),
};

/**
 * The names LiteLLM's team and user tables give (a pull from its database joins them in):
 * the tags `team_alias` and `user_email`, so a card can match a team by the name people use.
 */
function names(record: RecordView): Record<string, string> {
  const tags: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const name of ['team_alias', 'user_email']) if (record.text(name) !== '') tags[name] = record.text(name);
  return tags;
}

const signature = ['request_id', 'starttime', 'prompt_tokens', 'completion_tokens'];
const alsoRead = ['metadata', 'request_tags', 'spend', 'team_alias', 'user_email'];

export const litellmCsv = recordReader({ format: 'litellm', shape: 'csv', signature, fields }, alsoRead);
export const litellmJson = recordReader({ format: 'litellm', shape: 'json', signature, fields }, alsoRead);
