import { Decimal, parseDecimal } from '../../domain/money.js';
import type { GpuSample } from '../../domain/types.js';
import { promTextParser, sampleText, workloadOf, type PromSample } from '../prom-text.js';
import type { ReadItem, Reader, ReadOptions } from '../reader.js';

/**
 * What a metric gives a sample: busy time (ranked: the best source present wins), memory,
 * the energy counter (mJ) or the power draw (W), each scaled.
 */
export type GpuMetric = ({ kind: 'busy'; rank: number; scale: Decimal } | { kind: 'mem' | 'energy' | 'power'; scale: Decimal }) & {
  /** This metric's "no value" sentinel, where it differs from the exporter's (a 64-bit counter's). */
  blank?: Decimal;
};

/** Where a measured metric goes on the sample. */
const FIELD = { mem: 'memUsedMib', energy: 'energyMj', power: 'powerW' } as const;

/** An exporter of GPU metrics in Prometheus text: its metrics, and where its labels say host, GPU and share. */
export interface GpuExporter {
  format: string;
  expected: string;
  metrics: Readonly<Record<string, GpuMetric>>;
  /** Whether the metric names at the start of a file are this exporter's. */
  detect(names: readonly string[]): boolean;
  host(labels: Readonly<Record<string, string>>): string | undefined;
  /** The device: a GPU, or a MIG slice of one. */
  gpu(labels: Readonly<Record<string, string>>): string | undefined;
  gpuLabel: string;
  /** A value at or above which the exporter means "no value" (DCGM's blank sentinels). */
  blank?: Decimal;
  share?(labels: Readonly<Record<string, string>>): Decimal | undefined;
}

/**
 * A GPU exporter's Prometheus text (SPEC §3.3): one or many scrapes; a sample's time is its
 * own timestamp, else the last `# ts=` line, else `--at`. The metrics of one (host, device,
 * time) make one sample. The owner is the workload's labels (`workloadOf`: `exported_*` over
 * the exporter's own `namespace`/`pod`/`container`); an empty label is none. A `--host` given on the command line wins over a label.
 */
/** A MIG slice's profile label, kept with its samples. */
const profileOf = (labels: Readonly<Record<string, string>>) => (labels.GPU_I_PROFILE ? { profile: labels.GPU_I_PROFILE } : {});

export function gpuPromReader(exporter: GpuExporter): Reader {
  return { format: exporter.format, source: 'gpu', shape: 'text', dateField: 'timestamp', nothingRead: 'no GPU samples', detect: exporter.detect, parser: (options) => parser(exporter, options) };
}

function parser(exporter: GpuExporter, { name, tz, host, at }: ReadOptions) {
  /** Samples being assembled, with the lines they come from (a refused sample goes to the rejects whole). */
  const samples = new Map<string, { line: number; sample: GpuSample; lines: string[]; busyRank: number }>();
  const reject = (line: number, field: string | null, reason: string, text: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells: [text] } });
  const entryOf = (line: number, s: PromSample, text: string, sampleHost: string, device: string) => {
    const key = JSON.stringify([sampleHost, device, s.tsMs]);
    const share = exporter.share?.(s.labels);
    // A sample timed by its scrape carries that time as a "# ts=" line, so its lines read alone say when.
    const entry = samples.get(key) ??
      { line, sample: { tsMs: s.tsMs, host: sampleHost, gpu: device, utilPct: null, memUsedMib: null, ...(share ? { share } : {}), ...(profileOf(s.labels)) }, lines: sampleText(s, text).slice(0, -1), busyRank: Infinity };
    samples.set(key, entry);
    entry.lines.push(text);
    return entry;
  };
  return promTextParser({
    name, tz, at,
    expected: exporter.expected,
    // A fallback busy metric on no device (a profiling line without labels) belongs to no GPU: skipped.
    reads: (metric, labels) => {
      const known = exporter.metrics[metric];
      return known !== undefined && (known.kind !== 'busy' || known.rank === 0 || exporter.gpu(labels) !== undefined);
    },
    onSample(line, s, text) {
      const { labels } = s;
      const sampleHost = host ?? exporter.host(labels);
      if (!sampleHost) return reject(line, 'Hostname', 'no host: the sample names none (pass --host)', text);
      const device = exporter.gpu(labels);
      if (!device) return reject(line, exporter.gpuLabel, `no GPU: the sample has no ${exporter.gpuLabel} label`, text);
      const value = parseDecimal(s.value);
      if (value === null && !/^nan$/i.test(s.value)) return reject(line, s.metric, `expected a number, got "${s.value}"`, text);
      const metric = exporter.metrics[s.metric]!;
      const blank = metric.blank ?? exporter.blank;
      const usable = value !== null && (blank === undefined || value.lessThan(blank)) ? value : null;
      const entry = entryOf(line, s, text, sampleHost, device);
      const busy = metric.kind === 'busy' && metric.rank <= entry.busyRank;
      if (busy) entry.busyRank = metric.rank;
      const scaled = usable === null ? null : usable.times(metric.scale);
      const measured = metric.kind === 'busy' ? (busy ? { utilPct: scaled } : {})
        : metric.kind === 'mem' ? { memUsedMib: scaled } : scaled === null ? {} : { [FIELD[metric.kind]]: scaled };
      entry.sample = { ...entry.sample, ...measured, ...workloadOf(labels) };
      return null;
    },
    /**
     * Samples are complete once their time is over: hand on all but the current time's, whose
     * lines may go on in the next chunk (a sample with its own timestamp was once handed on
     * half read there, and its other half counted as a duplicate).
     */
    drain(final, current) {
      const out: ReadItem[] = [];
      for (const [key, { line, sample, lines }] of samples) {
        if (!final && sample.tsMs === current) continue;
        out.push({ kind: 'gpu', line, sample, cells: [lines.join('\n')] });
        samples.delete(key);
      }
      return out;
    },
  });
}
