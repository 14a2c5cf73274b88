import type { MetricFamily } from '../domain/metrics.js';

/**
 * The Prometheus text exposition format (version 0.0.4), which node_exporter's textfile
 * collector reads: HELP and TYPE before each family, one sample a line. Label values escape
 * backslash, double quote and newline; HELP text backslash and newline.
 */
export function asPrometheusText(families: readonly MetricFamily[]): string {
  return families.map((f) => [
    `# HELP ${f.name} ${escapeHelp(f.help)}`,
    `# TYPE ${f.name} ${f.type}`,
    ...f.samples.map((s) => `${f.name}${labelsText(s.labels)} ${s.value}`),
  ].join('\n')).join('\n') + '\n';
}

function labelsText(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}="${escapeLabel(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

export const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const escapeHelp = (text: string): string => text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
