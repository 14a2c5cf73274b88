import { Decimal, parseDecimal } from '../../domain/money.js';
import type { GpuSample } from '../../domain/types.js';
import { promTextParser, sampleText } from '../prom-text.js';
import type { ReadItem, Reader, ReadOptions } from '../reader.js';

const METRICS: Record<string, 'util' | 'mem'> = { DCGM_FI_DEV_GPU_UTIL: 'util', DCGM_FI_DEV_FB_USED: 'mem' };
/** DCGM reports a blank value as a huge sentinel (int32 and int64 "blank" ranges). */
const BLANK = new Decimal('2147483632');

/**
 * dcgm-exporter's Prometheus text (SPEC §3.3): one or many scrapes; a sample's time is its
 * own timestamp, else the last `# ts=` line, else `--at`. GPU utilisation and framebuffer
 * use of one (host, gpu, time) make one sample. Host from `Hostname` or `hostname`, else
 * `--host`; GPU from `UUID` (with `GPU_I_ID` for a MIG slice), else `gpu`; owner labels
 * `namespace`/`exported_namespace`, `pod`/`exported_pod`, `container`; an empty label is none.
 */
function dcgmParser({ name, tz, host, at }: ReadOptions) {
  /** Samples being assembled, with the lines they come from (a refused sample goes to the rejects whole). */
  const samples = new Map<string, { line: number; sample: GpuSample; lines: string[] }>();
  const reject = (line: number, field: string | null, reason: string, text: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells: [text] } });
  return promTextParser({
    name, tz, at,
    expected: 'dcgm-exporter samples',
    reads: (metric) => METRICS[metric] !== undefined,
    onSample(line, s, text) {
      const { labels, tsMs } = s;
      const sampleHost = labels.Hostname ?? labels.hostname ?? host;
      if (!sampleHost) return reject(line, 'Hostname', 'no host: the sample has no Hostname label (pass --host)', text);
      const gpu = labels.UUID ?? labels.gpu;
      if (!gpu) return reject(line, 'gpu', 'no GPU: the sample has neither a UUID nor a gpu label', text);
      const device = labels.GPU_I_ID !== undefined ? `${gpu}/mig-${labels.GPU_I_ID}` : gpu;
      const value = parseDecimal(s.value);
      if (value === null && !/^nan$/i.test(s.value)) return reject(line, s.metric, `expected a number, got "${s.value}"`, text);
      const usable = value !== null && value.lessThan(BLANK) ? value : null;
      const key = JSON.stringify([sampleHost, device, tsMs]);
      // A sample timed by its scrape carries that time as a "# ts=" line, so its lines read alone say when.
      const entry = samples.get(key) ?? { line, sample: { tsMs, host: sampleHost, gpu: device, utilPct: null, memUsedMib: null }, lines: sampleText(s, text).slice(0, -1) };
      entry.lines.push(text);
      const namespace = labels.namespace ?? labels.exported_namespace;
      const pod = labels.pod ?? labels.exported_pod;
      entry.sample = {
        ...entry.sample,
        ...(METRICS[s.metric] === 'util' ? { utilPct: usable } : { memUsedMib: usable }),
        ...(namespace ? { namespace } : {}),
        ...(pod ? { pod } : {}),
        ...(labels.container ? { container: labels.container } : {}),
      };
      samples.set(key, entry);
      return null;
    },
    /** Samples are complete once their scrape is over: hand on all but the current time's. */
    drain(final, scrapeTime) {
      const out: ReadItem[] = [];
      for (const [key, { line, sample, lines }] of samples) {
        if (!final && sample.tsMs === scrapeTime) continue;
        out.push({ kind: 'gpu', line, sample, cells: [lines.join('\n')] });
        samples.delete(key);
      }
      return out;
    },
  });
}

export const dcgm: Reader = {
  format: 'dcgm',
  source: 'gpu',
  shape: 'text',
  dateField: 'timestamp',
  // A scrape names DCGM metrics; a file of only "# ts=" lines and comments names none.
  detect: (names) => names.length === 0 || names.some((n) => n.startsWith('dcgm_')),
  parser: dcgmParser,
};
