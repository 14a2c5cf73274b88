import { Decimal, parseDecimal } from '../../domain/money.js';
import { jsonRowsParser } from '../json-rows.js';
import type { ReadItem, Reader, ReadOptions } from '../reader.js';
import { parseTimestamp } from '../values.js';

/**
 * OpenCost's allocation API (`/allocation/compute` or `/allocation`, `aggregate=namespace` or
 * finer, any `step`), saved as returned: `{code, data: [{name: allocation, …} per step]}`.
 * Each allocation with GPU hours is one GPU sample that lasts its window, on the device
 * `opencost/NAME` of its node, at a share equal to its average GPU count (GPU hours over the
 * window's hours), owned by its namespace (and pod): so a namespace's GPU hours drive a
 * time-based pool as DCGM samples do. `__idle__` and allocations without GPU hours are not
 * usage and are left out; OpenCost's costs are never used as costs.
 */
function allocations(value: Record<string, unknown>): Record<string, unknown>[] | string {
  if (value.window !== undefined && value.name !== undefined) return [value];
  if (!Array.isArray(value.data)) return 'expected an OpenCost allocation answer: {"code": 200, "data": [steps]}';
  const out: Record<string, unknown>[] = [];
  for (const step of value.data as unknown[]) {
    if (typeof step !== 'object' || step === null) return 'a step of data that is not an object of allocations';
    for (const [name, allocation] of Object.entries(step as Record<string, unknown>)) {
      if (name === '__idle__' || typeof allocation !== 'object' || allocation === null) continue;
      const hours = (allocation as { gpuHours?: unknown }).gpuHours;
      if (hours === 0 || hours === undefined) continue;
      out.push({ ...(allocation as Record<string, unknown>), name });
    }
  }
  return out;
}

function parser({ name, tz, host }: ReadOptions) {
  const reject = (line: number, field: string | null, reason: string, text: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells: [text] } });
  return jsonRowsParser({
    name,
    onHeader: () => ({ kind: 'header', columns: ['record'], ignored: [] }),
    expand: allocations,
    onRecord(line, record, text) {
      const window = (record.window ?? {}) as { start?: unknown; end?: unknown };
      const startMs = parseTimestamp(String(record.start ?? window.start ?? ''), tz ?? 'UTC');
      const endMs = parseTimestamp(String(record.end ?? window.end ?? ''), tz ?? 'UTC');
      if (startMs === null || endMs === null || endMs <= startMs) return reject(line, 'window', `expected a window with a start before its end, got ${JSON.stringify(record.window ?? null)}`, text);
      const hours = parseDecimal(String(record.gpuHours));
      if (hours === null || hours.isNegative()) return reject(line, 'gpuHours', `expected GPU hours, got "${String(record.gpuHours)}"`, text);
      const properties = (record.properties ?? {}) as Record<string, unknown>;
      const text_ = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
      const sampleHost = host ?? text_(properties.node) ?? text_(properties.cluster);
      if (!sampleHost) return reject(line, 'properties.node', 'no host: the allocation names no node or cluster (pass --host)', text);
      const allocationName = String(record.name);
      const namespace = text_(properties.namespace) ?? (allocationName.includes('/') ? undefined : allocationName);
      const pod = text_(properties.pod);
      const share = hours.dividedBy(new Decimal(endMs - startMs).dividedBy(3_600_000));
      return {
        kind: 'gpu', line, cells: [text],
        sample: {
          tsMs: startMs, host: sampleHost, gpu: `opencost/${allocationName}`, utilPct: null, memUsedMib: null, share, lengthMs: endMs - startMs,
          ...(namespace ? { namespace } : {}), ...(pod ? { pod } : {}),
        },
      };
    },
  });
}

export const opencost: Reader = {
  format: 'opencost',
  source: 'gpu',
  shape: 'json',
  dateField: 'window',
  nothingRead: 'no GPU samples',
  detect: (names) => (names.includes('code') && names.includes('data')) || (names.includes('window') && names.includes('gpuhours')),
  parser,
};
