import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * Writes a realistic native gateway CSV: hundreds of API keys, a dozen teams, several models,
 * long-tailed token counts, a month of timestamps (October 2026), some quoted fields, a few
 * errors and tiers. Rows `from`..`to` are deterministic, so two ranges overlap exactly.
 */
export async function writeGatewayCsv(path: string, from: number, to: number): Promise<number> {
  const out = createWriteStream(path);
  out.write('timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment\n');
  const random = mulberry32(1);
  const month = Date.UTC(2026, 9, 1);
  const span = Date.UTC(2026, 10, 1) - month;
  let bytes = 0;
  let chunk = '';
  for (let i = from; i < to; i++) {
    const r = mulberry32(i + 7);
    const key = Math.floor(r() * 300);
    const team = TEAMS[key % TEAMS.length]!;
    const model = MODELS[Math.floor(r() ** 2 * MODELS.length)]!;
    const input = Math.floor(20 + 8000 * r() ** 4);
    const output = Math.floor(1 + 2000 * r() ** 5);
    const ts = new Date(month + Math.floor((i * 2654435761) % span)).toISOString();
    const project = key % 7 === 0 ? `"${team}, shared"` : `${team}-app`;
    const status = r() < 0.01 ? '500' : '200';
    const tier = TIERS[key % TIERS.length]!;
    chunk += `${ts},req-${i},sk-live-${key.toString(16).padStart(6, '0')}-secret,user${key}@example.com,${team},${project},${model},${input},${output},${Math.floor(100 + r() * 900)},${status},${tier},prod\n`;
    if (chunk.length > 1 << 16) {
      bytes += chunk.length;
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  void random;
  return bytes + chunk.length;
}

const TEAMS = ['search', 'search-eval', 'support', 'research', 'growth', 'ads', 'maps', 'mail', 'docs', 'photos', 'shopping', 'trust'];
const MODELS = ['llama-3-8b', 'llama-3-70b', 'gpt-4o', 'bge-large', 'mistral-7b', 'qwen-72b'];
const TIERS = ['standard', 'standard', 'batch', 'priority', ''];

/** A small seeded PRNG, so the same rows come out every run. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
