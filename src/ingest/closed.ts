import type { ReadItem } from './reader.js';

/** A closed month's UTC range, as ingest is told it. */
export interface ClosedRange {
  month: string;
  runId: number;
  startMs: number;
  endMs: number;
}

/** The span of time a record covers, by which a closed month claims it. */
const SPANS: { [K in ReadItem['kind']]?: (item: Extract<ReadItem, { kind: K }>) => [number, number] } = {
  event: (item) => [item.event.tsMs, item.event.tsMs + 1],
  gpu: (item) => [item.sample.tsMs, item.sample.tsMs + 1],
  counter: (item) => [item.sample.tsMs, item.sample.tsMs + 1],
  billing: ({ record }) => [record.periodStartMs, Math.max(record.periodEndMs, record.periodStartMs + 1)],
};

/**
 * Turns records dated in a closed month into rejects (SPEC §5): a closed month's statement
 * must not move under a late file unless the user says --allow-closed. The reject keeps the
 * record's cells, so the rejects file can be ingested again with --allow-closed.
 */
export function refuseClosed(items: ReadItem[], closed: readonly ClosedRange[], dateField: string): ReadItem[] {
  if (closed.length === 0) return items;
  return items.map((item) => {
    if (item.kind === 'header' || item.kind === 'reject') return item;
    const [start, end] = (SPANS[item.kind] as (i: typeof item) => [number, number])(item);
    const month = closed.find((c) => start < c.endMs && end > c.startMs);
    if (!month) return item;
    return {
      kind: 'reject',
      reject: { line: item.line, field: dateField, reason: `dated in ${month.month}, closed by run ${month.runId}: ingest with --allow-closed to add it`, cells: item.cells },
    };
  });
}
