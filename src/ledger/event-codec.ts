import type { UsageEvent } from '../domain/types.js';
import { CLASS_COUNTS, COUNTS, countsOf } from '../domain/usage-counts.js';

/**
 * Gateway events in a form that crosses threads cheaply: numbers in one transferable
 * Float64Array and strings (natural key, dims key, key's last four) concatenated in one
 * string, each found by its length (kept with the numbers), never by a separator: a
 * client-set value may hold any character, and must never be split (issue 13).
 * Cloning the same events as objects cost more than parsing them. This module is the one
 * home of the layout: the parsing thread encodes with it and the batch writer decodes.
 */
export interface EncodedEvents {
  count: number;
  nums: Float64Array;
  strs: string;
}

/** One decoded event, as the batch writer stores it. */
export interface EventRow {
  key: string;
  /** hash52 of `key`: what the ledger's natural-key index holds. */
  keyHash: number;
  dims: string;
  /** hash52 of `dims`: what the writer remembers dims rows by. */
  dimsHash: number;
  last4: string;
  tsMs: number;
  ok: boolean;
  /** input, output, cached input and the token classes, in COUNTS order. */
  counts: number[];
  /** Requests the event stands for (1 but for bucketed usage). */
  requests: number;
  latency: number | null;
}

const NUMS = { ts: 0, ok: 1, latency: 2, line: 3, dimsHash: 4, keyHash: 5, keyLength: 6, dimsLength: 7, last4Length: 8, requests: 9, counts: 10 } as const;
const NUMS_PER_EVENT = NUMS.counts + COUNTS.length;

/** Events (with their natural keys, dims keys and file lines) encoded for another thread. */
export function encodeEvents(events: readonly { key: string; dims: string; event: UsageEvent; line: number }[]): EncodedEvents {
  const nums = new Float64Array(events.length * NUMS_PER_EVENT);
  const strs: string[] = [];
  events.forEach(({ key, dims, event: e, line }, i) => {
    const at = i * NUMS_PER_EVENT;
    nums[at + NUMS.ts] = e.tsMs;
    nums[at + NUMS.ok] = e.status === 'ok' ? 1 : 0;
    countsOf(e).forEach((count, c) => (nums[at + NUMS.counts + c] = count));
    nums[at + NUMS.latency] = e.latencyMs ?? NaN;
    nums[at + NUMS.requests] = e.requests ?? 1;
    nums[at + NUMS.line] = line;
    nums[at + NUMS.dimsHash] = hash52(dims);
    nums[at + NUMS.keyHash] = hash52(key);
    const last4 = e.apiKeyLast4 ?? '';
    nums[at + NUMS.keyLength] = key.length;
    nums[at + NUMS.dimsLength] = dims.length;
    nums[at + NUMS.last4Length] = last4.length;
    strs.push(key, dims, last4);
  });
  return { count: events.length, nums, strs: strs.join('') };
}

/** Calls `visit` with each encoded event in order, reusing one row object: a visitor that keeps one copies it. */
export function decodeEvents({ count, nums, strs }: EncodedEvents, visit: (row: EventRow) => void): void {
  let offset = 0;
  const next = (length: number) => strs.slice(offset, (offset += length));
  const row: EventRow = { key: '', keyHash: 0, dims: '', dimsHash: 0, last4: '', tsMs: 0, ok: false, counts: COUNTS.map(() => 0), requests: 1, latency: null };
  for (let i = 0; i < count; i++) {
    const at = i * NUMS_PER_EVENT;
    const latency = nums[at + NUMS.latency]!;
    row.key = next(nums[at + NUMS.keyLength]!);
    row.dims = next(nums[at + NUMS.dimsLength]!);
    row.last4 = next(nums[at + NUMS.last4Length]!);
    row.dimsHash = nums[at + NUMS.dimsHash]!;
    row.keyHash = nums[at + NUMS.keyHash]!;
    row.tsMs = nums[at + NUMS.ts]!;
    row.ok = nums[at + NUMS.ok] === 1;
    for (let c = 0; c < COUNTS.length; c++) row.counts[c] = nums[at + NUMS.counts + c]!;
    row.requests = nums[at + NUMS.requests]!;
    row.latency = Number.isNaN(latency) ? null : latency;
    visit(row);
  }
}

/** The token classes (issue 29) any of `events` carries, by column name: what an ingest summary names. */
export function classesIn({ count, nums }: EncodedEvents, into: Set<string>): void {
  CLASS_COUNTS.forEach((c, k) => {
    if (into.has(c.column)) return;
    const offset = NUMS.counts + COUNTS.length - CLASS_COUNTS.length + k;
    for (let i = 0; i < count; i++) {
      if (nums[i * NUMS_PER_EVENT + offset] !== 0) {
        into.add(c.column);
        return;
      }
    }
  });
}

/**
 * A 52-bit hash of a string (FNV-1a in two 32-bit lanes with different offsets), exact as a
 * double. For remembering and indexing keys whose collisions are checked, never for trust.
 */
export function hash52(text: string): number {
  let low = 0x811c9dc5;
  let high = 0x01000193 ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    low = Math.imul(low ^ c, 0x01000193);
    high = Math.imul(high ^ c, 0x0100019d);
  }
  return (high >>> 12) * 0x100000000 + (low >>> 0);
}
