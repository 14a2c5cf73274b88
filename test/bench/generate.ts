import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/** What a generated gateway log looks like. */
export interface Shape {
  /** Rows `from`..`to` are deterministic, so two ranges of one shape overlap exactly. */
  from: number;
  to: number;
  /**
   * `realistic`: per-request end users, two tag columns, cached tokens, random request ids
   * and mixed timestamp styles, with about `dims` distinct (key, user, team, project, model,
   * tier, environment, tags) combinations. `simple`: the old best case (300 keys, no tags,
   * one timestamp style, sequential ids), kept as a second row so the gap stays visible.
   */
  kind: 'realistic' | 'simple';
  dims?: number;
}

/** The realistic shape's combinations at 1M rows (TOOLCHAIN.md, issue 11). */
export const REALISTIC_DIMS_PER_ROW = 0.2;

/**
 * Writes a native gateway CSV for October 2026 and returns its size in bytes. The realistic
 * shape draws half its rows from 2,000 hot combinations and half uniformly from a pool
 * sized so that about `dims` distinct ones appear in `to - from` rows.
 */
export async function writeGatewayCsv(path: string, shape: Shape): Promise<number> {
  const out = createWriteStream(path);
  const row = shape.kind === 'simple' ? simpleRow : realisticRow(shape.to - shape.from, shape.dims ?? (shape.to - shape.from) * REALISTIC_DIMS_PER_ROW);
  out.write(shape.kind === 'simple' ? SIMPLE_HEADER : REALISTIC_HEADER);
  let bytes = 0;
  let chunk = '';
  for (let i = shape.from; i < shape.to; i++) {
    chunk += row(i);
    if (chunk.length > 1 << 16) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  return bytes + chunk.length;
}

const MONTH = Date.UTC(2026, 9, 1);
const SPAN = Date.UTC(2026, 10, 1) - MONTH;
const TEAMS = ['search', 'search-eval', 'support', 'research', 'growth', 'ads', 'maps', 'mail', 'docs', 'photos', 'shopping', 'trust'];
const MODELS = ['llama-3-8b', 'llama-3-70b', 'gpt-4o', 'bge-large', 'mistral-7b', 'qwen-72b'];
const TIERS = ['standard', 'standard', 'batch', 'priority', ''];
const FEATURES = ['chat', 'summarise', 'search-rerank', 'classify', 'extract', 'translate', 'autocomplete', 'moderate',
  'draft-reply', 'faq', 'embed-docs', 'code-review', 'sql-assist', 'agent', 'triage', 'caption', 'tagging', 'ocr-fix',
  'sentiment', 'routing', 'digest', 'title', 'rewrite', 'qa', 'eval'];
const OFFSETS = ['+02:00', '-05:00', '+05:30', '+09:00', '-08:00', '+01:00'];
const HOT = 2_000;
const KEYS = 400;

const SIMPLE_HEADER = 'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment\n';
const REALISTIC_HEADER =
  'timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,cached_input_tokens,latency_ms,status,tier,environment,tag.feature,tag.experiment\n';

function simpleRow(i: number): string {
  const r = mulberry32(i + 7);
  const key = Math.floor(r() * 300);
  const team = TEAMS[key % TEAMS.length]!;
  const model = MODELS[Math.floor(r() ** 2 * MODELS.length)]!;
  const input = Math.floor(20 + 8000 * r() ** 4);
  const output = Math.floor(1 + 2000 * r() ** 5);
  const ts = new Date(MONTH + Math.floor((i * 2654435761) % SPAN)).toISOString();
  const project = key % 7 === 0 ? `"${team}, shared"` : `${team}-app`;
  const status = r() < 0.01 ? '500' : '200';
  const tier = TIERS[key % TIERS.length]!;
  return `${ts},req-${i},sk-live-${key.toString(16).padStart(6, '0')}-secret,user${key}@example.com,${team},${project},${model},${input},${output},${Math.floor(100 + r() * 900)},${status},${tier},prod\n`;
}

/**
 * A row of the realistic shape. A combination index `c` decides every dims field, and is
 * injective: its user is c / 8 and its experiment c mod 8, so distinct c are distinct dims.
 */
function realisticRow(rows: number, dims: number): (i: number) => string {
  const pool = coldPool(rows, dims);
  return (i) => {
    const r = mulberry32(i * 2 + 1);
    const c = r() < 0.5 ? Math.floor(r() * HOT) : HOT + Math.floor(r() * pool);
    const user = Math.floor(c / 8);
    const u = mulberry32(user + 11);
    const key = Math.floor(u() * KEYS);
    const team = TEAMS[key % TEAMS.length]!;
    const project = key % 7 === 0 ? `"${team}, shared"` : `${team}-app-${key % 3}`;
    const d = mulberry32(c + 101);
    const model = MODELS[Math.floor(d() ** 2 * MODELS.length)]!;
    const tier = TIERS[Math.floor(d() * TIERS.length)]!;
    const environment = key % 10 === 0 ? 'staging' : 'prod';
    const feature = FEATURES[Math.floor(u() * FEATURES.length)]!;
    const input = Math.floor(20 + 8000 * r() ** 4);
    const cached = r() < 0.3 ? Math.floor(input * r()) : 0;
    const output = Math.floor(1 + 2000 * r() ** 5);
    const at = MONTH + Math.floor(r() * SPAN);
    const status = r() < 0.01 ? '500' : r() < 0.005 ? '429' : '200';
    const id = `${hex(r)}${hex(r)}-${hex(r)}`;
    return `${timestamp(at, r())},chatcmpl-${id},sk-live-${key.toString(16).padStart(6, '0')}-secret,u${user}@example.com,${team},${project},${model},${input},${output},${cached},${Math.floor(100 + r() * 900)},${status},${tier},${environment},${feature},exp-${c % 8}\n`;
  };
}

/** 70% ISO with Z, 20% ISO with an offset, 10% Unix seconds: what merged gateway logs hold. */
function timestamp(at: number, pick: number): string {
  if (pick < 0.7) return new Date(at).toISOString();
  if (pick < 0.9) {
    const offset = OFFSETS[Math.floor(pick * 1000) % OFFSETS.length]!;
    const minutes = (offset[0] === '-' ? -1 : 1) * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4)));
    return new Date(at + minutes * 60_000).toISOString().slice(0, 23) + offset;
  }
  return String(Math.floor(at / 1000));
}

const hex = (r: () => number) => Math.floor(r() * 2 ** 32).toString(16).padStart(8, '0');

/**
 * The size of the uniform pool whose expected distinct draws in `rows / 2` draws, plus the
 * hot set, come to `dims`: P (1 − e^(−n/P)) = dims − HOT, solved by bisection.
 */
function coldPool(rows: number, dims: number): number {
  const n = rows / 2;
  const want = Math.min(Math.max(dims - HOT, 1), n * 0.999);
  let low = want;
  let high = want * 1e6;
  for (let step = 0; step < 200; step++) {
    const mid = (low + high) / 2;
    if (mid * (1 - Math.exp(-n / mid)) < want) low = mid;
    else high = mid;
  }
  return Math.ceil(high);
}

/** A small seeded PRNG, so the same rows come out every run. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes dcgm-exporter scrapes for October 2026: `hosts` × 8 GPUs every `everyMinutes`,
 * most GPUs labelled with a namespace, some idle (no label), utilisation and memory varying.
 */
export async function writeGpuScrapes(path: string, hosts = 4, everyMinutes = 5): Promise<number> {
  const out = createWriteStream(path);
  const namespaces = ['research', 'search', 'growth', 'support', ''];
  let samples = 0;
  for (let t = MONTH; t < MONTH + SPAN; t += everyMinutes * 60_000) {
    const lines = [`# ts=${new Date(t).toISOString()}`];
    for (let h = 0; h < hosts; h++) {
      for (let g = 0; g < 8; g++) {
        const ns = namespaces[(h * 8 + g) % namespaces.length]!;
        const labels = `gpu="${g}",UUID="GPU-${h}-${g}",Hostname="gpu-host-${h}"${ns ? `,namespace="${ns}",pod="p-${ns}-${g}"` : ''}`;
        const util = Math.floor(50 + 50 * Math.sin((t / 3_600_000 + h + g) / 5));
        lines.push(`DCGM_FI_DEV_GPU_UTIL{${labels}} ${util}`, `DCGM_FI_DEV_FB_USED{${labels}} ${20_000 + util * 100}`);
        samples++;
      }
    }
    if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return samples;
}
