import { recordReader, type FieldSpec, type RecordView } from '../record-reader.js';

/**
 * OpenRouter's activity export (CSV from openrouter.ai/activity): one row per generation,
 * `generation_id`, `created_at` (no zone: UTC unless --tz), `model_permaslug`, `tokens_prompt`,
 * `tokens_completion` (reasoning tokens included, as OpenRouter bills them), `tokens_cached`,
 * `generation_time_ms`, `variant` (the tier: free, nitro, …), `user`, and the key's name
 * (`api_key_name`, the project: keys are how OpenRouter users split spend). `provider_name` and
 * `app_name` are tags. `cost_total` is OpenRouter's price, never used as a cost.
 */
const fields: FieldSpec = {
  timestamp: ['created_at'],
  requestId: ['generation_id'],
  user: ['user'],
  team: [],
  project: ['api_key_name'],
  model: ['model_permaslug'],
  inputTokens: ['tokens_prompt'],
  outputTokens: ['tokens_completion'],
  cachedInputTokens: ['tokens_cached'],
  reasoningTokens: ['tokens_reasoning'],
  latencyMs: ['generation_time_ms'],
  status: [],
  tier: ['variant'],
  environment: [],
  tags: (record: RecordView) => {
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    if (record.text('provider_name') !== '') tags.provider = record.text('provider_name');
    if (record.text('app_name') !== '') tags.app = record.text('app_name');
    return tags;
  },
};

export const openrouterCsv = recordReader(
  { format: 'openrouter', shape: 'csv', signature: ['generation_id', 'model_permaslug', 'tokens_prompt'], fields },
  ['provider_name', 'app_name', 'cost_total'],
);
