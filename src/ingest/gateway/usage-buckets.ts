import type { RecordView } from '../record-reader.js';

/**
 * The shape the provider usage APIs share: a page `{data: [buckets], has_more, next_page}`
 * whose buckets hold `results` summed over a time window and group-by values. Each result
 * becomes one flat record carrying its bucket's times and a key made of the bucket and the
 * group-by values, so that re-pulling an overlapping window stores nothing twice. A flat
 * record (a line of a rejects file) comes back as it is.
 */
export function bucketResults(
  value: Record<string, unknown>,
  { start, end, groupBy, flat, other }: {
    start: string;
    end: string;
    groupBy: readonly string[];
    flat: (value: Record<string, unknown>) => boolean;
    /** What a result of the other report (usage for costs, costs for usage) says to do instead. */
    other?: (result: Record<string, unknown>) => string | null;
  },
  extra: (result: Record<string, unknown>) => Record<string, unknown> = () => ({}),
): Record<string, unknown>[] | string {
  if (flat(value)) return [value];
  const buckets = value.object === 'bucket' ? [value] : value.data;
  if (!Array.isArray(buckets)) return 'expected a usage report page: {"data": [buckets], …}';
  const out: Record<string, unknown>[] = [];
  for (const bucket of buckets as Record<string, unknown>[]) {
    if (!Array.isArray(bucket?.results)) return 'a bucket without "results"';
    for (const result of bucket.results as Record<string, unknown>[]) {
      const wrong = other?.(result ?? {});
      if (wrong) return wrong;
      const key = JSON.stringify([result.object ?? '', bucket[start], bucket[end], ...groupBy.map((g) => result[g] ?? null)]);
      out.push({ [start]: bucket[start], [end]: bucket[end], ...result, ...extra(result), bucket_key: key });
    }
  }
  return out;
}

/** The sum of token counts, or the first value that is not one (for the reader to reject by name). */
export function countSum(values: readonly unknown[]): unknown {
  let total = 0;
  for (const value of values) {
    if (value === null || value === undefined) continue;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) return value;
    total += value;
  }
  return total;
}

/** Tags from a result's group-by fields, each under its tag name, when the field has a value. */
export function tagsOf(names: Readonly<Record<string, string>>): (record: RecordView) => Record<string, string> {
  return (record) => {
    const tags: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [field, tag] of Object.entries(names)) {
      const value = record.text(field);
      if (value !== '') tags[tag] = value;
    }
    return tags;
  };
}
