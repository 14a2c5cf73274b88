import { recordReader, tagsFromStrings, type FieldSpec, type RecordView } from '../record-reader.js';

/**
 * OpenAI-compatible responses, one JSON object per line: `model`, `created` (Unix seconds),
 * `usage.prompt_tokens`, `usage.completion_tokens`, `usage.prompt_tokens_details.cached_tokens`,
 * plus the gateway's metadata at the top level or under `metadata` (`user`, `team`,
 * `project`, `api_key`, `tier`, `request_id` or the response's `id`).
 */
const fields: FieldSpec = {
  timestamp: ['created', 'created_at', 'timestamp'],
  requestId: ['request_id', 'id'],
  apiKey: ['api_key', 'metadata.api_key'],
  user: ['user', 'metadata.user'],
  team: ['team', 'metadata.team'],
  project: ['project', 'metadata.project'],
  model: ['model'],
  inputTokens: ['usage.prompt_tokens', 'usage.input_tokens'],
  outputTokens: ['usage.completion_tokens', 'usage.output_tokens'],
  cachedInputTokens: ['usage.prompt_tokens_details.cached_tokens', 'usage.input_tokens_details.cached_tokens'],
  // Token classes (issue 29): OpenAI's reasoning and cache writes, and the cache writes LiteLLM and
  // other OpenAI-compatible gateways report for Anthropic models (counted in prompt_tokens too).
  cacheWriteTokens: ['usage.input_tokens_details.cache_write_tokens', 'usage.prompt_tokens_details.cache_write_tokens', 'usage.cache_creation_input_tokens'],
  reasoningTokens: ['usage.completion_tokens_details.reasoning_tokens', 'usage.output_tokens_details.reasoning_tokens'],
  latencyMs: ['latency_ms', 'metadata.latency_ms'],
  status: ['status', 'metadata.status'],
  tier: ['tier', 'service_tier', 'metadata.tier'],
  environment: ['environment', 'metadata.environment'],
  tags: (record: RecordView) => {
    const tags = record.value('metadata.tags') ?? record.value('tags');
    if (Array.isArray(tags)) return tagsFromStrings(tags);
    if (typeof tags !== 'object' || tags === null) return {};
    return Object.fromEntries(Object.entries(tags).filter(([, v]) => typeof v === 'string' && v !== '')) as Record<string, string>;
  },
};

export const openaiJsonl = recordReader({ format: 'openai-jsonl', shape: 'json', signature: ['model', 'usage'], fields }, ['metadata', 'tags', 'object', 'choices']);
