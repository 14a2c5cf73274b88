import type { UsageEvent } from './types.js';

/**
 * What a usage event counts besides its requests (issue 29), in one table: each count's
 * ledger column (and quantity name) and its event field. `input_tokens` is all input, cache
 * reads and writes included (uncached input = input − cache reads − cache writes), and
 * `output_tokens` all output, reasoning included; web-search calls are per call. The order
 * is the ledger's column order and the codec's: add a count at the end, never between.
 */
export const COUNTS = [
  { column: 'input_tokens', field: 'inputTokens' },
  { column: 'output_tokens', field: 'outputTokens' },
  { column: 'cached_input_tokens', field: 'cachedInputTokens' },
  { column: 'cache_write_tokens', field: 'cacheWriteTokens' },
  { column: 'cache_write_1h_tokens', field: 'cacheWrite1hTokens' },
  { column: 'reasoning_tokens', field: 'reasoningTokens' },
  { column: 'web_search_calls', field: 'webSearchCalls' },
] as const;

export type CountColumn = (typeof COUNTS)[number]['column'];

/** The counts that came with issue 29: a key or a summary names them only where a source carried one. */
export const CLASS_COUNTS = COUNTS.slice(3);

/** An event's counts in COUNTS order (0 where it has none). */
export function countsOf(event: UsageEvent): number[] {
  return COUNTS.map((c) => event[c.field] ?? 0);
}
