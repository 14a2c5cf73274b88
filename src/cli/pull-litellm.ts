import { pullSpendLogs, sourceName, type SpendLogCursor } from '../ingest/gateway/litellm-db.js';
import { ingestFile, type IngestOptions, type PullOutcome } from '../ingest/pipeline.js';

export type { PullOutcome };
import type { Ledger } from '../ledger/open.js';
import { pullCursor, savePullCursor } from '../ledger/pulls.js';


/**
 * `ingest --from postgresql://…`: reads LiteLLM's spend log past the last pull's cursor into
 * one batch, read as the litellm format, then moves the cursor to the last row read.
 */
export async function pullLiteLLM(ledger: Ledger, url: string, options: Omit<IngestOptions, 'stdin' | 'format'>): Promise<PullOutcome> {
  const since = pullCursor<SpendLogCursor>(ledger, sourceName(url));
  const pull = await pullSpendLogs(url, since);
  if (pull.empty) return { kind: 'nothing-new', source: pull.name, since };
  const outcome = await ingestFile(ledger, '-', {
    ...options,
    format: 'litellm',
    stdin: pull.stream,
    stdinName: pull.name,
    rejectsPath: options.rejectsPath ?? 'litellm-spend-logs.rejects.csv',
  });
  const last = pull.last();
  const batchId = outcome.kind === 'stored' ? outcome.batchId : outcome.batch.id;
  if (last) savePullCursor(ledger, pull.name, last, batchId, options.now().toISOString());
  return outcome;
}
