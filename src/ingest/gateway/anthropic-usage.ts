import { recordReader, type FieldSpec } from '../record-reader.js';
import { bucketResults, countSum, tagsOf } from './usage-buckets.js';

/**
 * The Anthropic Admin API usage report (`GET /v1/organizations/usage_report/messages`), pages
 * as returned. Input tokens are what the request read: uncached, cache reads and cache writes
 * (5-minute and 1-hour); cached input is the cache reads, and the cache writes and web-search
 * calls are their own classes (issue 29). The report counts no requests, so
 * a result stands for 0 of them: a requests-driven pool sees none, rather than one per bucket.
 * `workspace_id` is the project, `api_key_id` the tag `anthropic_api_key_id`; grouped by
 * `account_id` (a user) or `service_account_id`, that is the user.
 */
const fields: FieldSpec = {
  timestamp: ['starting_at'],
  requestId: ['bucket_key'],
  user: ['account_id', 'service_account_id'],
  team: [],
  project: ['workspace_id'],
  model: ['model'],
  inputTokens: ['input_tokens'],
  outputTokens: ['output_tokens'],
  cachedInputTokens: ['cache_read_input_tokens'],
  // Token classes (issue 29): the 5-minute and 1-hour cache writes, web-search calls.
  cacheWriteTokens: ['cache_creation.ephemeral_5m_input_tokens'],
  cacheWrite1hTokens: ['cache_creation.ephemeral_1h_input_tokens'],
  webSearchCalls: ['server_tool_use.web_search_requests'],
  latencyMs: [],
  status: [],
  tier: ['service_tier'],
  environment: [],
  requests: ['requests'],
  tags: tagsOf({ api_key_id: 'anthropic_api_key_id' }),
};

const GROUP_BY = ['api_key_id', 'workspace_id', 'model', 'service_tier', 'context_window', 'inference_geo', 'speed', 'account_id', 'service_account_id'];

function results(value: Record<string, unknown>): Record<string, unknown>[] | string {
  return bucketResults(value, {
    start: 'starting_at', end: 'ending_at', groupBy: GROUP_BY, flat: (v) => v.starting_at !== undefined && v.results === undefined,
    other: (r) => (r.amount !== undefined ? 'this looks like a billing export (anthropic-costs): use --source billing' : null),
  },
    (result) => {
      const creation = (result.cache_creation ?? {}) as Record<string, unknown>;
      return {
        input_tokens: countSum([result.uncached_input_tokens, result.cache_read_input_tokens, creation.ephemeral_5m_input_tokens, creation.ephemeral_1h_input_tokens]),
        requests: 0,
      };
    });
}

export const anthropicUsage = recordReader(
  {
    format: 'anthropic-usage',
    shape: 'json',
    signature: [],
    // A page has no "object" (OpenAI's has one); a flat result has its bucket's starting_at.
    detect: (names) => (names.includes('data') && names.includes('has_more') && !names.includes('object')) ||
      (names.includes('uncached_input_tokens') && names.includes('starting_at')),
    fields,
    outputOptional: true,
    expand: results,
    modelHint: 'pull the usage report with group_by[]=model',
  },
  ['data', 'has_more', 'next_page', 'results', 'ending_at', 'api_key_id', 'bucket_key', 'uncached_input_tokens', 'cache_creation', 'server_tool_use', 'context_window'],
);
