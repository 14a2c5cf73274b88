import { dimKey } from '../ledger/usage-writer.js';
import { naturalKey } from './natural-key.js';
import type { ReadItem } from './reader.js';

/** Numbers per event: ts, ok (1/0), input, output, cached, latency (NaN: none), line. */
export const NUMS_PER_EVENT = 7;

/**
 * A batch of parsed events in a form that crosses threads cheaply: numbers in one
 * transferable Float64Array and strings (natural key, dims key, key's last four) joined in
 * one string. Cloning the same events as objects cost more than parsing them.
 */
export interface EncodedEvents {
  count: number;
  nums: Float64Array;
  strs: string;
}

/** A parsed chunk: the header and rejects as items, the events encoded. */
export interface ParsedBatch {
  others: ReadItem[];
  events: EncodedEvents;
}

export const SEPARATOR = '\u0000';

export function encodeItems(items: readonly ReadItem[]): ParsedBatch {
  const others: ReadItem[] = [];
  const events = items.filter((item) => item.kind === 'event' || (others.push(item), false));
  const nums = new Float64Array(events.length * NUMS_PER_EVENT);
  const strs: string[] = [];
  events.forEach((item, i) => {
    if (item.kind !== 'event') return;
    const e = item.event;
    const at = i * NUMS_PER_EVENT;
    nums[at] = e.tsMs;
    nums[at + 1] = e.status === 'ok' ? 1 : 0;
    nums[at + 2] = e.inputTokens;
    nums[at + 3] = e.outputTokens;
    nums[at + 4] = e.cachedInputTokens;
    nums[at + 5] = e.latencyMs ?? NaN;
    nums[at + 6] = item.line;
    strs.push(naturalKey(e), dimKey(e), e.apiKeyLast4 ?? '');
  });
  return { others, events: { count: events.length, nums, strs: strs.join(SEPARATOR) } };
}
