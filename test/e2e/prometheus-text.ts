/**
 * A strict reader of the Prometheus text exposition format (0.0.4), for the tests: what
 * Prometheus's own parser accepts, and no more. Metric and label names must follow the
 * naming rules, each family's HELP and TYPE come before its samples and once, label values
 * use only the three escapes, every value is a float Prometheus reads, and no series repeats.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** The value as written, and as Prometheus reads it. */
  text: string;
  value: number;
}

export interface Exposition {
  types: Map<string, string>;
  help: Map<string, string>;
  samples: Sample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePrometheusText(text: string): Exposition {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const out: Exposition = { types: new Map(), help: new Map(), samples: [] };
  const seen = new Set<string>();
  const sampled = new Set<string>();
  text.split('\n').slice(0, -1).forEach((line, i) => {
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${line}`);
    };
    if (line.trim() === '') return;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const [, kind, name, rest] = meta as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) fail('bad metric name');
      if (sampled.has(name)) fail(`${kind} after the family's samples`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type');
        if (out.types.has(name)) fail('second TYPE');
        out.types.set(name, rest);
      } else {
        if (out.help.has(name)) fail('second HELP');
        if (/\\[^\\n]/.test(rest.replace(/\\\\/g, ''))) fail('bad escape in HELP');
        out.help.set(name, rest.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')));
      }
      return;
    }
    if (line.startsWith('#')) return;
    const head = /^([a-zA-Z_:][a-zA-Z0-9_:]*)/.exec(line) ?? fail('bad metric name');
    const name = head[1]!;
    let at = name.length;
    const labels: Record<string, string> = {};
    if (line[at] === '{') {
      at++;
      while (line[at] !== '}') {
        const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at)) ?? fail('bad label');
        const labelName = label[1]!;
        if (!LABEL_NAME.test(labelName) || labelName.startsWith('__')) fail('reserved or bad label name');
        if (labelName in labels) fail('repeated label');
        at += label[0].length;
        let value = '';
        for (;;) {
          const c = line[at] ?? fail('unterminated label value');
          at++;
          if (c === '"') break;
          if (c === '\\') {
            const e = line[at++];
            if (e === '\\') value += '\\';
            else if (e === '"') value += '"';
            else if (e === 'n') value += '\n';
            else fail('bad escape in a label value');
          } else value += c;
        }
        labels[labelName] = value;
        if (line[at] === ',') at++;
        else if (line[at] !== '}') fail('expected , or }');
      }
      at++;
    }
    const rest = line.slice(at);
    const parts = / (\S+)(?: (-?\d+))?$/.exec(rest) ?? fail('expected " value"');
    if (parts.index !== 0) fail('junk before the value');
    const textValue = parts[1]!;
    if (!FLOAT.test(textValue)) fail('not a float Prometheus reads');
    const key = JSON.stringify([name, Object.entries(labels).sort()]);
    if (seen.has(key)) fail('the same series twice');
    seen.add(key);
    sampled.add(name);
    out.samples.push({ name, labels, text: textValue, value: Number(textValue.replace(/^([+-]?)Inf$/, '$1Infinity')) });
  });
  return out;
}
