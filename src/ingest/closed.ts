import type { ReadItem } from './reader.js';

/** A closed month's UTC range, as ingest is told it. */
export interface ClosedRange {
  month: string;
  runId: number;
  startMs: number;
  endMs: number;
}

/**
 * Turns records dated in a closed month into rejects (SPEC §5): a closed month's statement
 * must not move under a late file unless the user says --allow-closed.
 */
export function refuseClosed(items: ReadItem[], closed: readonly ClosedRange[]): ReadItem[] {
  if (closed.length === 0) return items;
  return items.map((item) => {
    const span = item.kind === 'event' ? [item.event.tsMs, item.event.tsMs + 1]
      : item.kind === 'gpu' ? [item.sample.tsMs, item.sample.tsMs + 1]
      : item.kind === 'billing' ? [item.record.periodStartMs, Math.max(item.record.periodEndMs, item.record.periodStartMs + 1)]
      : null;
    if (!span || !('line' in item)) return item;
    const month = closed.find((c) => span[0]! < c.endMs && span[1]! > c.startMs);
    if (!month) return item;
    return {
      kind: 'reject',
      reject: { line: item.line, field: 'timestamp', reason: `dated in ${month.month}, closed by run ${month.runId}: ingest with --allow-closed to add it`, cells: [] },
    };
  });
}
