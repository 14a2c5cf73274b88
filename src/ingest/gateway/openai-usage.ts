import { recordReader, type FieldSpec } from '../record-reader.js';
import { bucketResults, tagsOf } from './usage-buckets.js';

/**
 * The OpenAI organization Usage API (`GET /v1/organization/usage/completions`, `…/embeddings`):
 * pages of buckets `{start_time, end_time, results: [...]}` saved as the API returns them, one
 * page per file, per line or in an array. Each result is usage summed over the bucket for its
 * group-by values (`project_id`, `user_id`, `api_key_id`, `model`, `batch`, `service_tier`,
 * null unless asked for): it is stored as one record standing for `num_model_requests`
 * requests, dated at the bucket's start and keyed by the bucket and its group-by values, so
 * re-pulling an overlapping window counts nothing twice.
 */
const fields: FieldSpec = {
  timestamp: ['start_time'],
  requestId: ['bucket_key'],
  user: ['user_id'],
  team: [],
  project: ['project_id'],
  model: ['model'],
  inputTokens: ['input_tokens'],
  outputTokens: ['output_tokens'],
  cachedInputTokens: ['input_cached_tokens'],
  latencyMs: [],
  status: [],
  tier: ['service_tier'],
  environment: [],
  requests: ['num_model_requests'],
  tags: tagsOf({ api_key_id: 'openai_api_key_id', batch: 'batch' }),
};

const GROUP_BY = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;

const results = (value: Record<string, unknown>) =>
  bucketResults(value, {
    start: 'start_time', end: 'end_time', groupBy: GROUP_BY, flat: (v) => v.start_time !== undefined && v.results === undefined,
    other: (r) => (r.amount !== undefined ? 'this looks like a billing export (openai-costs): use --source billing' : null),
  });

export const openaiUsage = recordReader(
  {
    format: 'openai-usage',
    shape: 'json',
    signature: [],
    detect: (names) => (names.includes('object') && names.includes('data') && names.includes('has_more')) || (names.includes('num_model_requests') && names.includes('start_time')),
    fields,
    outputOptional: true,
    expand: results,
    modelHint: 'pull the Usage API with group_by=model',
  },
  ['object', 'data', 'has_more', 'next_page', 'results', 'end_time', 'api_key_id', 'batch', 'bucket_key'],
);
