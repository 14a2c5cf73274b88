import { InputError } from '../domain/errors.js';
import { MAX_RECORD_CHARS } from './csv-records.js';
import type { IncrementalParser, ReadItem } from './reader.js';
import { inTimeLimits, parseTimestamp } from './values.js';

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?\s*$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** One sample line of Prometheus text, its time resolved (its own, the last `# ts=`, or --at). */
export interface PromSample {
  metric: string;
  /** Labels with a value (an empty label is none). */
  labels: Record<string, string>;
  value: string;
  tsMs: number;
  /** Whether the time came from the line itself: else a reject must carry it as a `# ts=` line. */
  ownTime: boolean;
}

/** What a reader of Prometheus text adds to the shared skeleton. */
export interface PromText {
  name: string;
  tz?: string | undefined;
  at?: number | undefined;
  /** What an empty file lacks, for its error ("dcgm-exporter samples"). */
  expected: string;
  /** Whether the reader reads this metric (with these labels): other lines are skipped. */
  reads(metric: string, labels: Readonly<Record<string, string>>): boolean;
  /** One sample the reader reads: a reject, or null when the reader keeps it to assemble. */
  onSample(line: number, sample: PromSample, text: string): ReadItem | null;
  /**
   * What the reader has assembled and can hand on; `final` at the end of the input. `current`
   * is the time of the last sample read: its sample may go on in the next chunk.
   */
  drain(final: boolean, current: number | null): ReadItem[];
}

/**
 * The skeleton of every Prometheus-text reader (DCGM scrapes, vLLM's /metrics): lines split
 * as they come, one overlong line rejected alone, `# ts=` lines setting the scrape time,
 * comments skipped, a line that is no sample rejected, and a sample with no time rejected
 * saying to pass --at. An empty file is refused.
 */
export function promTextParser(spec: PromText): IncrementalParser {
  let partial = '';
  let lineNumber = 0;
  let scrapeTime: number | null = spec.at ?? null;
  // The last sample's time, its own or its scrape's: a chunk may end inside its lines.
  let current: number | null = null;
  let started = false;
  let skipping = false;
  const items: ReadItem[] = [];
  const start = () => {
    if (started) return;
    started = true;
    items.push({ kind: 'header', columns: ['sample'], ignored: [] });
  };
  const reject = (line: number, field: string | null, reason: string, text: string) =>
    void items.push({ kind: 'reject', reject: { line, field, reason, cells: [text] } });
  /** While skipping an overlong line: the text after its end, or nothing. */
  const dropToLineEnd = (text: string) => {
    const at = text.indexOf('\n');
    if (at < 0) return '';
    skipping = false;
    return text.slice(at + 1);
  };

  function take(text: string): void {
    lineNumber++;
    const line = text.trim();
    if (line === '') return;
    start();
    const ts = /^#\s*ts=(\S+)/.exec(line);
    if (ts) {
      const parsed = parseTimestamp(ts[1]!, spec.tz);
      if (parsed === null) reject(lineNumber, 'ts', `expected a time, got "${ts[1]}"`, line);
      else scrapeTime = parsed;
      return;
    }
    if (line.startsWith('#')) return;
    const m = SAMPLE.exec(line);
    if (!m) return reject(lineNumber, null, 'not a Prometheus sample line', line);
    const labels: Record<string, string> = Object.fromEntries(
      [...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!] as const).filter(([, v]) => v !== ''),
    );
    if (!spec.reads(m[1]!, labels)) return;
    const own = m[4] !== undefined ? inTimeLimits(Number(m[4])) : null;
    if (m[4] !== undefined && own === null) return reject(lineNumber, 'timestamp', `expected milliseconds between 1970 and 2199, got ${m[4]}`, line);
    const tsMs = own ?? scrapeTime;
    if (tsMs === null) return reject(lineNumber, 'timestamp', 'no time: the sample has none and no "# ts=" line came before it (or pass --at)', line);
    current = tsMs;
    const item = spec.onSample(lineNumber, { metric: m[1]!, labels, value: m[3]!, tsMs, ownTime: own !== null }, line);
    if (item) items.push(item);
  }

  return {
    push(text) {
      const lines = (skipping ? dropToLineEnd(text) : partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) take(line);
      if (partial.length > MAX_RECORD_CHARS) {
        // One line may not hold the rest of a file in memory: reject it, read on at the next.
        start();
        reject(lineNumber + 1, null, `a line longer than ${MAX_RECORD_CHARS} characters`, `${partial.slice(0, 200)}…`);
        lineNumber++;
        partial = '';
        skipping = true;
      }
      items.push(...spec.drain(false, current));
      return items.splice(0);
    },
    end() {
      if (partial !== '') take(partial);
      partial = '';
      if (!started) throw new InputError(spec.name, null, null, `the file is empty: expected ${spec.expected}`);
      items.push(...spec.drain(true, current));
      return items.splice(0);
    },
  };
}

/** A sample's lines as a reject keeps them: with its scrape time as a `# ts=` line when it had none of its own. */
export function sampleText(sample: PromSample, text: string): string[] {
  return sample.ownTime ? [text] : [`# ts=${new Date(sample.tsMs).toISOString()}`, text];
}

/**
 * The workload a series is about (issue 31). Scraped through a ServiceMonitor, Prometheus
 * labels a series with the exporter's own `namespace`/`pod`/`container` and moves the
 * workload's to `exported_namespace`/`exported_pod`/`exported_container`: where both are
 * present the exported ones are the workload's. An empty label is none.
 */
export function workloadOf(labels: Readonly<Record<string, string>>): { namespace?: string; pod?: string; container?: string } {
  const pick = (name: 'namespace' | 'pod' | 'container') => labels[`exported_${name}`] || labels[name] || undefined;
  const [namespace, pod, container] = [pick('namespace'), pick('pod'), pick('container')];
  return { ...(namespace ? { namespace } : {}), ...(pod ? { pod } : {}), ...(container ? { container } : {}) };
}
