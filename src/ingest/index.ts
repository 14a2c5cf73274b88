import { InputError, UsageError } from '../domain/errors.js';
import { csvSplitter } from './csv-records.js';
import { englishName } from './header-names.js';
import { doubleword } from './gateway/doubleword.js';
import { gatewayCsv } from './gateway/gateway-csv.js';
import { jsonSplitter } from './json-records.js';
import { litellmCsv, litellmJson } from './gateway/litellm.js';
import { openaiJsonl } from './gateway/openai-jsonl.js';
import { openaiBatch } from './gateway/openai-batch.js';
import { openaiUsage } from './gateway/openai-usage.js';
import { anthropicUsage } from './gateway/anthropic-usage.js';
import { bedrockInvocations } from './gateway/bedrock.js';
import { openrouterCsv } from './gateway/openrouter.js';
import { litellmPayload } from './gateway/litellm-payload.js';
import { awsCur } from './billing/aws-cur.js';
import { azure } from './billing/azure.js';
import { focus } from './billing/focus.js';
import { gcp } from './billing/gcp.js';
import { billingReader } from './billing/reader.js';
import { anthropicCosts, openaiCosts } from './billing/cost-apis.js';
import { dcgm } from './gpu/dcgm.js';
import { nvidiaGpuExporter } from './gpu/nvidia-gpu-exporter.js';
import { opencost } from './gpu/opencost.js';
import { vllmMetrics } from './gateway/vllm.js';
import { nvidiaSmi } from './gpu/nvidia-smi.js';
import { nvidiaSmiXml } from './gpu/nvidia-smi-xml.js';
import type { Reader } from './reader.js';

/**
 * Every reader. Adding a format is one file and one line here. Detection tries them in this
 * order, so the more specific formats come before the native CSV, whose aliases are broad.
 */
export const READERS: readonly Reader[] = [
  litellmCsv, litellmJson, litellmPayload, openaiBatch, openaiUsage, anthropicUsage, bedrockInvocations, openrouterCsv, doubleword, openaiJsonl, gatewayCsv,
  ...[focus, awsCur, azure, gcp, openaiCosts, anthropicCosts].map(billingReader),
  vllmMetrics,
  nvidiaSmi, nvidiaSmiXml, dcgm, nvidiaGpuExporter, opencost,
];

export const SOURCES = ['gateway', 'billing', 'gpu'] as const;

/** What each source's files are, as a message names them. */
const SOURCE_NOUNS: Readonly<Record<Reader['source'], string>> = { gateway: 'a gateway log', billing: 'a billing export', gpu: 'GPU telemetry' };

/** What the start of a file says about it: JSON or CSV, and the names it uses. */
export interface FileStart {
  /** Parquet is read by the readers of rows (Reader.rows), by its columns' names. */
  shape: 'csv' | 'json' | 'text' | 'xml' | 'parquet';
  names: string[];
}

/** Reads the shape and the header (or the first JSON object's keys) from a file's first text. */
export function fileStart(text: string): FileStart {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const splitter = jsonSplitter();
      const first = [...splitter.push(text), ...splitter.end()].find((r) => 'value' in r);
      const value = first && 'value' in first ? first.value : null;
      const names = typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];
      return { shape: 'json', names };
    } catch {
      return { shape: 'json', names: [] };
    }
  }
  // XML (nvidia-smi -q -x): its "names" are the root element's.
  if (trimmed.startsWith('<')) return { shape: 'xml', names: [...trimmed.matchAll(/<(?![?!])([A-Za-z_][\w.:-]*)/g)].slice(0, 1).map((m) => m[1]!) };
  // Prometheus text: comments, or a metric name followed by labels or a value. Its "names"
  // are the metrics the start of the file holds, which tell a DCGM scrape from vLLM's.
  if (/^(#|[A-Za-z_:][A-Za-z0-9_:]*(\{|\s+[-0-9.eE+NnaI]+\s*$))/m.test(trimmed.split('\n')[0] ?? '')) {
    const metrics = new Set([...trimmed.matchAll(/^([A-Za-z_:][A-Za-z0-9_:]*)[{\s]/gm)].map((m) => m[1]!));
    return { shape: 'text', names: [...metrics] };
  }
  const splitter = csvSplitter();
  const first = [...splitter.push(text.split('\n')[0] ?? ''), ...splitter.end()][0];
  return { shape: 'csv', names: first && 'cells' in first ? first.cells.map(englishName) : [] };
}

/** Whether a reader reads files of this shape: its own, and Parquet when it reads rows. */
function readsShape(reader: Reader, shape: FileStart['shape']): boolean {
  return shape === 'parquet' ? reader.rows !== undefined : reader.shape === shape;
}

/** The reader for `--format` (in the file's shape), or the first whose detection matches. */
export function chooseReader(source: string, format: string | undefined, start: FileStart, name: string): Reader {
  const candidates = READERS.filter((r) => r.source === source);
  if (candidates.length === 0) {
    throw new UsageError(`unknown --source "${source}": expected one of ${SOURCES.join(', ')}`);
  }
  const formats = [...new Set(candidates.map((r) => r.format))];
  if (format !== undefined) {
    const named = candidates.filter((r) => r.format === format);
    if (named.length === 0) throw new UsageError(`unknown --format "${format}" for source ${source}: expected one of ${formats.join(', ')}`);
    const reader = named.find((r) => readsShape(r, start.shape));
    if (!reader) throw new InputError(name, 1, null, `--format ${format} reads ${named[0]?.shape}, but the file looks like ${start.shape}`);
    return reader;
  }
  const lower = start.names.map((n) => n.toLowerCase());
  const reader = candidates.find((r) => readsShape(r, start.shape) && r.detect(lower));
  if (!reader) {
    // Right file, wrong source: say which source reads it rather than list its columns.
    const elsewhere = READERS.find((r) => r.source !== source && readsShape(r, start.shape) && r.detect(lower));
    if (elsewhere) throw new InputError(name, 1, null, `this looks like ${SOURCE_NOUNS[elsewhere.source]} (${elsewhere.format}): use --source ${elsewhere.source}`);
    if (start.shape === 'parquet' && !candidates.some((r) => r.rows)) {
      throw new InputError(name, null, null, `a Parquet file, and no ${source} format is read from Parquet (Parquet is read for billing exports)`);
    }
    const seen = { json: 'keys of the first object', xml: 'root element' }[start.shape as string] ?? 'columns';
    const where = { json: 'first object', text: 'first line', xml: 'XML', csv: 'header', parquet: 'Parquet schema' }[start.shape];
    // A header in another language without the English names cannot be read: say so.
    const localised = start.names.some((n) => /[^\x00-\x7f]/.test(n))
      ? ' (the header looks localised: export it with English column names, or with the English name in parentheses)' : '';
    throw new InputError(name, 1, null,
      `cannot tell the format from the ${where} (${seen}: ${start.names.join(', ') || 'none'}); ` +
      `known ${source} formats: ${formats.join(', ')}; pass --format${localised}`);
  }
  return reader;
}

export type { Reader } from './reader.js';
