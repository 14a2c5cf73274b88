import { InputError } from '../domain/errors.js';

/**
 * Prometheus' HTTP API answers (`/api/v1/query_range` matrices, `/api/v1/query` vectors, as
 * Prometheus, Thanos or Mimir return them) as the Prometheus text the scrape readers read:
 * points grouped by time, each group under a `# ts=` line, so a reader assembles one (host,
 * GPU, time) from all its metrics and sees each series in time order (issue 17).
 */
interface ApiSeries {
  metric?: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

/**
 * Whether the first object's keys are an API answer's: `status` with `data`, or with
 * `errorType` when it failed. OpenCost answers `{code, status, data}`: a `code` is not Prometheus'.
 */
export function isPromApiAnswer(names: readonly string[]): boolean {
  return names.includes('status') && !names.includes('code') && (names.includes('data') || names.includes('errorType'));
}

const escape = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

/** The answer as Prometheus text; an error answer or another result type is an InputError naming the file. */
export function promApiText(json: string, name: string): string {
  let answer: { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: ApiSeries[] } };
  try {
    answer = JSON.parse(json) as typeof answer;
  } catch (error) {
    throw new InputError(name, null, null, `unreadable Prometheus API answer (${(error as Error).message}); nothing was stored`);
  }
  if (answer.status !== 'success') throw new InputError(name, null, null, `the Prometheus API answered ${answer.status ?? 'nothing'}: ${answer.errorType ?? ''} ${answer.error ?? ''}`.trim());
  const type = answer.data?.resultType;
  if (type !== 'matrix' && type !== 'vector') throw new InputError(name, null, null, `a Prometheus API answer of type ${type ?? 'none'}: expected a matrix (query_range) or a vector (query)`);
  const byTime = new Map<number, string[]>();
  for (const series of answer.data?.result ?? []) {
    const { __name__: metric = '', ...labels } = series.metric ?? {};
    const labelText = Object.entries(labels).map(([k, v]) => `${k}="${escape(v)}"`).join(',');
    const points = type === 'matrix' ? series.values ?? [] : series.value ? [series.value] : [];
    for (const [seconds, value] of points) {
      const ms = Math.round(Number(seconds) * 1000);
      const lines = byTime.get(ms) ?? [];
      lines.push(`${metric}${labelText ? `{${labelText}}` : ''} ${value}`);
      byTime.set(ms, lines);
    }
  }
  const times = [...byTime.keys()].sort((a, b) => a - b);
  const invalid = times.find((ms) => !Number.isFinite(ms));
  if (invalid !== undefined) throw new InputError(name, null, null, 'a Prometheus API answer with a point whose time is not a number');
  return times.map((ms) => `# ts=${new Date(ms).toISOString()}\n${byTime.get(ms)!.join('\n')}\n`).join('');
}
