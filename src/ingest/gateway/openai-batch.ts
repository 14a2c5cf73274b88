import { recordReader, type FieldSpec } from '../record-reader.js';

/**
 * OpenAI Batch API output files (JSON lines): each line is `{id: "batch_req_…", custom_id,
 * response: {status_code, request_id, body}, error}`, where `body` is the endpoint's usual
 * response (`created`, `model`, `usage`). A batch output names no caller: give it one with
 * `--set`. A line whose request failed carries no body and is rejected as such.
 */
const fields: FieldSpec = {
  timestamp: ['response.body.created', 'response.body.created_at'],
  requestId: ['id'],
  user: ['response.body.user'],
  team: [],
  project: [],
  model: ['response.body.model'],
  inputTokens: ['response.body.usage.prompt_tokens', 'response.body.usage.input_tokens'],
  outputTokens: ['response.body.usage.completion_tokens', 'response.body.usage.output_tokens'],
  cachedInputTokens: ['response.body.usage.prompt_tokens_details.cached_tokens', 'response.body.usage.input_tokens_details.cached_tokens'],
  cacheWriteTokens: ['response.body.usage.input_tokens_details.cache_write_tokens', 'response.body.usage.prompt_tokens_details.cache_write_tokens'],
  reasoningTokens: ['response.body.usage.completion_tokens_details.reasoning_tokens', 'response.body.usage.output_tokens_details.reasoning_tokens'],
  latencyMs: [],
  status: ['response.status_code'],
  tier: [],
  environment: [],
};

// Every response of the Batch API is billed at the batch tier (half price), whatever service_tier it says (`default`).
export const openaiBatch = recordReader({ format: 'openai-batch', shape: 'json', signature: ['custom_id', 'response'], fields, tier: 'batch' }, ['error', 'custom_id', 'response.body.service_tier']);
