import { dimKey, naturalKey } from '../keys.js';
import { encodeEvents, type EncodedEvents } from '../ledger/event-codec.js';
import type { ReadItem } from './reader.js';

/** A parsed chunk: the header and rejects as items, the events encoded. */
export interface ParsedBatch {
  others: ReadItem[];
  events: EncodedEvents;
}

/** Splits a parser's items into events, keyed and encoded for the writer, and the rest. */
export function encodeItems(items: readonly ReadItem[]): ParsedBatch {
  const others: ReadItem[] = [];
  const events: Parameters<typeof encodeEvents>[0][number][] = [];
  for (const item of items) {
    if (item.kind === 'event') events.push({ key: naturalKey(item.event), dims: dimKey(item.event), event: item.event, line: item.line });
    else others.push(item);
  }
  return { others, events: encodeEvents(events) };
}
