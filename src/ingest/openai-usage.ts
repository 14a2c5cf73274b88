import { recordReader, type FieldSpec, type RecordView } from './record-reader.js';

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
  tags: (record: RecordView) => {
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    const key = record.text('api_key_id');
    if (key !== '') tags.openai_api_key_id = key;
    const batch = record.text('batch');
    if (batch !== '') tags.batch = batch;
    return tags;
  },
};

const GROUP_BY = ['project_id', 'user_id', 'api_key_id', 'model', 'batch', 'service_tier'] as const;

/** A page's results as flat records (bucket times and key included); a flat record as it is. */
function results(value: Record<string, unknown>): Record<string, unknown>[] | string {
  if (value.start_time !== undefined && value.results === undefined) return [value];
  const buckets = value.object === 'bucket' ? [value] : value.data;
  if (!Array.isArray(buckets)) return 'expected a Usage API page: {"object": "page", "data": [buckets]}';
  const out: Record<string, unknown>[] = [];
  for (const bucket of buckets as Record<string, unknown>[]) {
    if (!Array.isArray(bucket?.results)) return 'a bucket without "results"';
    for (const result of bucket.results as Record<string, unknown>[]) {
      const at = { start_time: bucket.start_time, end_time: bucket.end_time };
      const key = JSON.stringify([result.object ?? '', bucket.start_time, bucket.end_time, ...GROUP_BY.map((g) => result[g] ?? null)]);
      out.push({ ...at, ...result, bucket_key: key });
    }
  }
  return out;
}

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
