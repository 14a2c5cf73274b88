import { recordReader, tagsFromStrings, type FieldSpec, type RecordView } from '../record-reader.js';
import { countSum } from './usage-buckets.js';

/**
 * Amazon Bedrock model-invocation logs: the records Bedrock delivers to S3 (JSON lines, often
 * gzipped) or CloudWatch Logs, one per invocation: `timestamp`, `requestId`, `modelId`,
 * `identity.arn` (the calling role or user: the identity), `input.inputTokenCount` (uncached)
 * with `input.cacheReadInputTokenCount` and `input.cacheWriteInputTokenCount`,
 * `output.outputTokenCount`, and the caller's `requestMetadata` as tags. A CloudWatch Logs
 * export (`aws logs get-log-events` or `filter-log-events` JSON) holds the records as the
 * `message` of each event, and is read the same.
 */
const fields: FieldSpec = {
  timestamp: ['timestamp'],
  requestId: ['requestid'],
  user: ['identity.arn'],
  team: [],
  project: [],
  model: ['modelid'],
  // Bedrock counts cache reads and writes apart from inputTokenCount: input is all three (issue 29).
  inputTokens: ['input.inputtokencount'],
  outputTokens: ['output.outputtokencount'],
  cachedInputTokens: ['input.cachereadinputtokencount'],
  cacheWriteTokens: ['input.cachewriteinputtokencount'],
  latencyMs: [],
  status: [],
  tier: [],
  environment: [],
  tags: (record: RecordView) => {
    const metadata = record.value('requestmetadata');
    if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) return tagsFromStrings([]);
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [k, v] of Object.entries(metadata)) if (typeof v === 'string' && v !== '') tags[k] = v;
    return tags;
  },
};

/**
 * A record whose input count is what it read in all: uncached, cache reads and cache writes.
 * A record without one is left as it is, for the mapper to reject naming the field.
 */
function withAllInput(record: Record<string, unknown>): Record<string, unknown> {
  const input = record.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return record;
  const counts = input as Record<string, unknown>;
  if (counts.inputTokenCount === undefined || counts.inputTokenCount === null) return record;
  return { ...record, input: { ...counts, inputTokenCount: countSum([counts.inputTokenCount, counts.cacheReadInputTokenCount, counts.cacheWriteInputTokenCount]) } };
}

/** A CloudWatch Logs export's events as the records their messages hold; a record as it is. */
function records(value: Record<string, unknown>): Record<string, unknown>[] | string {
  const found = recordsOf(value);
  return typeof found === 'string' ? found : found.map(withAllInput);
}

function recordsOf(value: Record<string, unknown>): Record<string, unknown>[] | string {
  if (!Array.isArray(value.events)) return [value];
  const out: Record<string, unknown>[] = [];
  for (const event of value.events as { message?: unknown }[]) {
    try {
      const record = JSON.parse(String(event?.message)) as unknown;
      if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'a log event whose message is not a JSON object';
      out.push(record as Record<string, unknown>);
    } catch {
      return 'a log event whose message is not JSON';
    }
  }
  return out;
}

export const bedrockInvocations = recordReader(
  {
    format: 'bedrock',
    shape: 'json',
    signature: [],
    detect: (names) => (names.includes('schematype') && names.includes('modelid')) ||
      (names.includes('events') && (names.includes('nextforwardtoken') || names.includes('searchedlogstreams'))),
    fields,
    expand: records,
  },
  ['schematype', 'schemaversion', 'accountid', 'region', 'operation', 'input', 'output', 'requestmetadata', 'identity', 'events', 'nextforwardtoken', 'nextbackwardtoken', 'searchedlogstreams', 'inferenceregion', 'modelarn'],
);
