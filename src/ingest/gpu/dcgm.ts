import { InputError } from '../../domain/errors.js';
import { Decimal, parseDecimal } from '../../domain/money.js';
import type { GpuSample } from '../../domain/types.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from '../reader.js';
import { inTimeLimits, parseTimestamp } from '../values.js';
import { MAX_RECORD_CHARS } from '../csv-records.js';

const METRICS: Record<string, 'util' | 'mem'> = { DCGM_FI_DEV_GPU_UTIL: 'util', DCGM_FI_DEV_FB_USED: 'mem' };
/** DCGM reports a blank value as a huge sentinel (int32 and int64 "blank" ranges). */
const BLANK = new Decimal('2147483632');
const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * dcgm-exporter's Prometheus text (SPEC §3.3): one or many scrapes; a sample's time is its
 * own timestamp, else the last `# ts=` line, else `--at`. GPU utilisation and framebuffer
 * use of one (host, gpu, time) make one sample. Host from `Hostname` or `hostname`, else
 * `--host`; GPU from `UUID` (with `GPU_I_ID` for a MIG slice), else `gpu`; owner labels
 * `namespace`/`exported_namespace`, `pod`/`exported_pod`, `container`; an empty label is none.
 */
function dcgmParser({ name, tz, host, at }: ReadOptions): IncrementalParser {
  let partial = '';
  let lineNumber = 0;
  let scrapeTime: number | null = at ?? null;
  let started = false;
  /** Samples being assembled, with the lines they come from (a refused sample goes to the rejects whole). */
  const samples = new Map<string, { line: number; sample: GpuSample; lines: string[] }>();
  const items: ReadItem[] = [];
  let skipping = false;
  /** While skipping an overlong line: the text after its end, or nothing. */
  const dropToLineEnd = (text: string) => {
    const at = text.indexOf('\n');
    if (at < 0) return '';
    skipping = false;
    return text.slice(at + 1);
  };

  const reject = (line: number, field: string | null, reason: string, text: string) =>
    void items.push({ kind: 'reject', reject: { line, field, reason, cells: [text] } });

  function take(text: string): void {
    lineNumber++;
    const line = text.trim();
    if (!started && line !== '') {
      started = true;
      items.push({ kind: 'header', columns: ['sample'], ignored: [] });
    }
    if (line === '') return;
    const ts = /^#\s*ts=(\S+)/.exec(line);
    if (ts) {
      const parsed = parseTimestamp(ts[1]!, tz);
      if (parsed === null) reject(lineNumber, 'ts', `expected a time, got "${ts[1]}"`, line);
      else scrapeTime = parsed;
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) return reject(lineNumber, null, 'not a Prometheus sample line', line);
    const kind = METRICS[m[1]!];
    if (!kind) return;
    const labels: Record<string, string> = Object.fromEntries(
      [...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!] as const).filter(([, v]) => v !== ''),
    );
    const tsMs = m[4] !== undefined ? inTimeLimits(Number(m[4])) : scrapeTime;
    if (m[4] !== undefined && tsMs === null) return reject(lineNumber, 'timestamp', `expected milliseconds between 1970 and 2199, got ${m[4]}`, line);
    if (tsMs === null) return reject(lineNumber, 'timestamp', 'no time: the sample has none and no "# ts=" line came before it (or pass --at)', line);
    const sampleHost = labels.Hostname ?? labels.hostname ?? host;
    if (!sampleHost) return reject(lineNumber, 'Hostname', 'no host: the sample has no Hostname label (pass --host)', line);
    const gpu = labels.UUID ?? labels.gpu;
    if (!gpu) return reject(lineNumber, 'gpu', 'no GPU: the sample has neither a UUID nor a gpu label', line);
    const device = labels.GPU_I_ID !== undefined ? `${gpu}/mig-${labels.GPU_I_ID}` : gpu;
    const value = parseDecimal(m[3]!);
    if (value === null && !/^nan$/i.test(m[3]!)) return reject(lineNumber, m[1]!, `expected a number, got "${m[3]}"`, line);
    const usable = value !== null && value.lessThan(BLANK) ? value : null;
    const key = JSON.stringify([sampleHost, device, tsMs]);
    // A sample timed by its scrape carries that time as a "# ts=" line, so its lines read alone say when.
    const entry = samples.get(key) ??
      { line: lineNumber, sample: { tsMs, host: sampleHost, gpu: device, utilPct: null, memUsedMib: null }, lines: m[4] === undefined ? [`# ts=${new Date(tsMs).toISOString()}`] : [] };
    entry.lines.push(line);
    const namespace = labels.namespace ?? labels.exported_namespace;
    const pod = labels.pod ?? labels.exported_pod;
    entry.sample = {
      ...entry.sample,
      ...(kind === 'util' ? { utilPct: usable } : { memUsedMib: usable }),
      ...(namespace ? { namespace } : {}),
      ...(pod ? { pod } : {}),
      ...(labels.container ? { container: labels.container } : {}),
    };
    samples.set(key, entry);
  }

  /** Samples are complete once their scrape is over: hand on all but the current time's. */
  function drain(final: boolean): ReadItem[] {
    for (const [key, { line, sample, lines }] of samples) {
      if (!final && sample.tsMs === scrapeTime) continue;
      items.push({ kind: 'gpu', line, sample, cells: [lines.join('\n')] });
      samples.delete(key);
    }
    return items.splice(0);
  }

  return {
    push(text) {
      const lines = (skipping ? dropToLineEnd(text) : partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) take(line);
      if (partial.length > MAX_RECORD_CHARS) {
        // One line may not hold the rest of a file in memory: reject it, read on at the next.
        if (!started) {
          started = true;
          items.push({ kind: 'header', columns: ['sample'], ignored: [] });
        }
        reject(lineNumber + 1, null, `a line longer than ${MAX_RECORD_CHARS} characters`, `${partial.slice(0, 200)}…`);
        lineNumber++;
        partial = '';
        skipping = true;
      }
      return drain(false);
    },
    end() {
      if (partial !== '') take(partial);
      partial = '';
      if (!started) throw new InputError(name, null, null, 'the file is empty: expected dcgm-exporter samples');
      return drain(true);
    },
  };
}

export const dcgm: Reader = {
  format: 'dcgm',
  source: 'gpu',
  shape: 'text',
  dateField: 'timestamp',
  detect: () => true,
  parser: dcgmParser,
};
