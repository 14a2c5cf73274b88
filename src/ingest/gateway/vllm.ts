import type { UsageEvent } from '../../domain/types.js';
import type { KeyedEvent } from '../../ledger/usage-writer.js';
import { promTextParser, sampleText, workloadOf } from '../prom-text.js';
import type { ReadItem, Reader, ReadOptions } from '../reader.js';
import type { CounterSample } from '../../domain/types.js';

/** vLLM's counters and what their increase is: prompt and generation tokens, finished requests. */
const COUNTERS = {
  'vllm:prompt_tokens_total': 'inputTokens',
  'vllm:generation_tokens_total': 'outputTokens',
  'vllm:request_success_total': 'requests',
} as const;

/**
 * vLLM's finish reasons (`finished_reason`; vllm/v1/engine FinishReason: stop, length, abort,
 * error, repetition; the V0 engine had stop, length, abort): a request the client aborted or
 * the engine failed is a failed request; one stopped by a stop string, its length or the
 * repetition guard was served.
 */
const FAILED_REASONS = new Set(['abort', 'error']);

/** Whether a sample counts failed requests. */
const countsFailures = (sample: CounterSample) => sample.metric === 'vllm:request_success_total' && FAILED_REASONS.has(sample.labels.finished_reason ?? '');

/** Labels that split a counter into series but say nothing of who used it. */
const NOT_IDENTITY = new Set(['finished_reason', 'engine', 'model_name', 'model', 'version', 'instance', 'job']);

const namespaceOf = (labels: Readonly<Record<string, string>>) => workloadOf(labels).namespace;
const podOf = (labels: Readonly<Record<string, string>>) => workloadOf(labels).pod;

/**
 * vLLM's Prometheus `/metrics` (issue 16), scraped raw (timed by `--at` or `# ts=` lines) or
 * through Prometheus (`/federate`, with its own times): the token and request counters per
 * `model_name` (Triton's vLLM backend says `model`). Each sample is stored; usage is a
 * series' increase from one sample to the next (see ledger/counters.ts). The identity is the
 * `namespace` label (as the project) with `pod` as a tag, or `--set`.
 */
function vllmParser({ name, tz, at, defaults }: ReadOptions) {
  const reject = (line: number, field: string | null, reason: string, text: string): ReadItem => ({ kind: 'reject', reject: { line, field, reason, cells: [text] } });
  const hasDefaultIdentity = defaults !== undefined && ['user', 'team', 'project'].some((k) => defaults[k] !== undefined);
  // Raw scrapes of two servers can carry the same labels: what --set says tells their series apart.
  const given = Object.entries(defaults ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  return promTextParser({
    name, tz, at,
    expected: 'vLLM /metrics samples',
    reads: (metric) => metric in COUNTERS,
    onSample(line, s, text) {
      const lines = sampleText(s, text).join('\n');
      const value = Number(s.value);
      if (!/^[0-9.eE+]+$/.test(s.value) || !Number.isSafeInteger(value)) return reject(line, s.metric, `expected a counter's whole number, got "${s.value}"`, lines);
      if (!(s.labels.model_name ?? s.labels.model)) return reject(line, 'model_name', 'no model: the sample has neither a model_name nor a model label', lines);
      if (!namespaceOf(s.labels) && !hasDefaultIdentity) {
        return reject(line, 'namespace', 'no identity: the sample has no namespace label (pass --set team=… or project=…)', lines);
      }
      const labels = Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1));
      const sample: CounterSample = { series: JSON.stringify([s.metric, labels, given]), metric: s.metric, labels: s.labels, tsMs: s.tsMs, value };
      return { kind: 'counter', line, sample, cells: [lines] };
    },
    drain: () => [],
  });
}

export const vllmMetrics: Reader = {
  format: 'vllm',
  source: 'gateway',
  shape: 'text',
  dateField: 'timestamp',
  nothingRead: 'no usage counters',
  detect: (names) => names.some((n) => n.startsWith('vllm:')),
  parser: vllmParser,
};

/**
 * The usage of counter increases: one record per scrape time, model and identity (its
 * labels but the ones that only split series), summing prompt and generation tokens and
 * served requests, and one more for the requests that failed (FAILED_REASONS), if any. Keyed `c:` by that identity and time, so a scrape read twice counts
 * once, and never confused with a request's key.
 */
export function counterUsage(increases: readonly { sample: CounterSample; increase: number }[], defaults: Readonly<Record<string, string>> = {}): KeyedEvent[] {
  const groups = new Map<string, UsageEvent>();
  for (const { sample, increase } of increases) {
    const { labels } = sample;
    const identity = Object.entries(labels).filter(([k]) => !NOT_IDENTITY.has(k)).sort(([a], [b]) => (a < b ? -1 : 1));
    const model = labels.model_name ?? labels.model ?? '';
    const failed = countsFailures(sample);
    // Failed requests are a record of their own, keyed apart; served ones keep the key they always had.
    const key = `c:${JSON.stringify([model, identity, Object.entries(defaults).sort(([a], [b]) => (a < b ? -1 : 1)), sample.tsMs, ...(failed ? ['failed'] : [])])}`;
    let event = groups.get(key);
    if (!event) {
      const namespace = namespaceOf(labels);
      const pod = podOf(labels);
      const tags: Record<string, string> = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(defaults)) if (k.startsWith('tag.')) tags[k.slice(4)] = v;
      if (pod) tags.pod = pod;
      event = {
        tsMs: sample.tsMs, model, inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, requests: 0, status: failed ? 'error' : 'ok', tags,
        ...(namespace ?? defaults.project ? { project: namespace ?? defaults.project } : {}),
        ...(defaults.team ? { team: defaults.team } : {}),
        ...(defaults.user ? { user: defaults.user } : {}),
      };
      groups.set(key, event);
    }
    const field = COUNTERS[sample.metric as keyof typeof COUNTERS];
    event[field] = (event[field] ?? 0) + increase;
  }
  return [...groups].filter(([, e]) => e.inputTokens + e.outputTokens + (e.requests ?? 0) > 0).map(([key, event]) => ({ key, event }));
}
