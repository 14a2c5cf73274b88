import { InputError } from '../../domain/errors.js';
import { parseDecimal, type Decimal } from '../../domain/money.js';
import { zonedToUtc } from '../../domain/month.js';
import { csvRowsParser } from '../csv-rows.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from '../reader.js';
import { inTimeLimits, parseTimestamp } from '../values.js';

const NVIDIA_TIME = /^(\d{4})\/(\d{2})\/(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/;

/** `2026/07/14 08:12:53.353` in the host's zone (`--tz`), or any timestamp parseTimestamp reads. */
function parseSmiTime(text: string, zone: string): number | null {
  const m = NVIDIA_TIME.exec(text);
  if (!m) return parseTimestamp(text, zone);
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const wall = Date.UTC(y!, mo! - 1, d!, h!, mi!, s!, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  return new Date(wall).getUTCDate() === d && new Date(wall).getUTCFullYear() === y ? inTimeLimits(zonedToUtc(wall, zone)) : null;
}

/**
 * A value with its unit suffix (`95 %`, `7650 MiB`) as nvidia-smi prints it, in CSV or XML;
 * `[N/A]`, `N/A` and any bracketed text is missing.
 */
export function parseMeasure(text: string): Decimal | null | 'bad' {
  const value = text.trim();
  if (value === '' || value.startsWith('[') || value === 'N/A') return null;
  return parseDecimal(value.replace(/\s*(%|MiB|W|MHz|C)$/i, '')) ?? 'bad';
}

/**
 * `nvidia-smi --query-gpu=timestamp,uuid,utilization.gpu,memory.used,power.draw --format=csv` output
 * (SPEC §3.3; power.draw, where queried, is what the GPU's energy is integrated from): `, ` between cells, units in the header (`utilization.gpu [%]`) and in the
 * values, columns matched by name (a capture may hold 200 of them), timestamps in the host's
 * zone given by `--tz`, the host from `--host`. The GPU is its UUID, else its index.
 */
function smiParser({ name, tz, host, columns: given }: ReadOptions): IncrementalParser {
  let columns: Record<string, number> = {};
  /** Reads the header (from the file, or the --columns list): where each field sits. */
  const onHeader = (raw: string[]): ReadItem => {
    const cells = raw.map((c) => c.trim());
    const index = (prefix: string) => cells.findIndex((c) => c.toLowerCase().split(' [')[0] === prefix);
    columns = { timestamp: index('timestamp'), uuid: index('uuid'), index: index('index'), util: index('utilization.gpu'), mem: index('memory.used'), power: index('power.draw') };
    if (columns.timestamp! < 0 || (columns.util! < 0 && columns.mem! < 0)) {
      throw new InputError(name, 1, null, 'expected an nvidia-smi --query-gpu header with timestamp and utilization.gpu or memory.used');
    }
    if (!host) throw new InputError(name, null, 'host', 'nvidia-smi output does not name its host: pass --host');
    const used = new Set(Object.values(columns).filter((i) => i >= 0));
    return { kind: 'header', columns: cells, ignored: cells.filter((_, i) => !used.has(i)) };
  };
  const onRow = (line: number, raw: string[]): ReadItem => {
    const cells = raw.map((c) => c.trim());
    const reject = (field: string | null, reason: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells } });
    const cell = (key: string) => (columns[key]! >= 0 ? cells[columns[key]!] ?? '' : '');
    const tsMs = parseSmiTime(cell('timestamp'), tz ?? 'UTC');
    if (tsMs === null) return reject('timestamp', `expected a time like 2026/07/14 08:12:53.353, got "${cell('timestamp')}"`);
    const gpu = cell('uuid') || cell('index');
    if (gpu === '') return reject('uuid', 'missing: a GPU needs its uuid or index');
    const util = parseMeasure(cell('util'));
    if (util === 'bad') return reject('utilization.gpu', `expected a percentage, got "${cell('util')}"`);
    const mem = parseMeasure(cell('mem'));
    if (mem === 'bad') return reject('memory.used', `expected MiB, got "${cell('mem')}"`);
    const power = parseMeasure(cell('power'));
    if (power === 'bad') return reject('power.draw', `expected watts, got "${cell('power')}"`);
    return { kind: 'gpu', line, sample: { tsMs, host: host!, gpu, utilPct: util, memUsedMib: mem, ...(power === null ? {} : { powerW: power }) }, cells };
  };
  // `noheader` output: the header is the --columns list, and the first record is data.
  return csvRowsParser({ name, expected: 'an nvidia-smi header line', ...(given ? { givenHeader: given } : {}), onHeader, onRow });
}

export const nvidiaSmi: Reader = {
  format: 'nvidia-smi',
  source: 'gpu',
  shape: 'csv',
  dateField: 'timestamp',
  nothingRead: 'no GPU samples',
  detect: (names) => names.includes('timestamp') && names.some((n) => n.startsWith('utilization.gpu') || n.startsWith('memory.used')),
  parser: smiParser,
};
