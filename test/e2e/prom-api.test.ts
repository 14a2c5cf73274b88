import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { cliIn, workspace } from './cli.js';

/** The labels of the real DCGM scrape in fixtures/data/gpu, as Prometheus adds its own to them. */
const GPU = { gpu: '0', UUID: 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e', device: 'nvidia0', modelName: 'Tesla T4', Hostname: '424773df46e0', instance: '10.0.0.7:9400', job: 'dcgm-exporter', namespace: 'search' };
const T0 = Date.UTC(2026, 9, 5, 10) / 1000;

/** A query_range answer as Prometheus returns it: one series per metric, [seconds, "value"] points. */
function matrix(series: { metric: Record<string, string>; values: [number, string][] }[]) {
  return JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: series } });
}

const samples = (dir: string) => {
  const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
  const rows = db.prepare('SELECT ts_ms AS ts, util_pct AS util, mem_used_mib AS mem, namespace FROM gpu_samples ORDER BY ts_ms').all();
  db.close();
  return rows as { ts: number; util: string; mem: string; namespace: string }[];
};

describe('Prometheus HTTP API answers (issue 17)', () => {
  it('a DCGM query_range: the metrics of one time make one sample; re-pulling an overlapping window counts nothing twice', async () => {
    const { dir } = workspace();
    const day = (from: number, to: number) => matrix([
      { metric: { __name__: 'DCGM_FI_DEV_GPU_UTIL', ...GPU }, values: Array.from({ length: to - from }, (_, i) => [T0 + 60 * (from + i), String(10 * (from + i))] as [number, string]) },
      { metric: { __name__: 'DCGM_FI_DEV_FB_USED', ...GPU }, values: Array.from({ length: to - from }, (_, i) => [T0 + 60 * (from + i), '1024'] as [number, string]) },
    ]);
    writeFileSync(join(dir, 'a.json'), day(0, 3));
    const first = await cliIn(dir, ['ingest', join(dir, 'a.json'), '--source', 'gpu']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /\(dcgm\): 3 rows read, 3 stored, 0 duplicate, 0 rejected/);
    writeFileSync(join(dir, 'b.json'), day(1, 4));
    assert.match((await cliIn(dir, ['ingest', join(dir, 'b.json'), '--source', 'gpu'])).stdout, /3 rows read, 1 stored, 2 duplicate/);
    assert.deepEqual(samples(dir).map((s) => [s.ts / 1000 - T0, s.util, s.mem, s.namespace]), [[0, '0', '1024', 'search'], [60, '10', '1024', 'search'], [120, '20', '1024', 'search'], [180, '30', '1024', 'search']]);
  });

  it('an instant query (vector) reads as one scrape', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'v.json'), JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [
      { metric: { __name__: 'DCGM_FI_DEV_GPU_UTIL', ...GPU }, value: [T0, '55'] },
      { metric: { __name__: 'DCGM_FI_DEV_FB_USED', ...GPU }, value: [T0, '2048'] },
    ] } }));
    assert.match((await cliIn(dir, ['ingest', join(dir, 'v.json'), '--source', 'gpu'])).stdout, /1 rows read, 1 stored/);
    assert.deepEqual(samples(dir).map((s) => [s.util, s.mem]), [['55', '2048']]);
  });

  it('vLLM counters pulled from Prometheus: increases between points, the namespace as the identity', async () => {
    const { dir } = workspace();
    const labels = { engine: '0', model_name: 'Qwen/Qwen1.5-0.5B-Chat', namespace: 'search', pod: 'vllm-0', instance: '10.0.0.8:8000', job: 'vllm' };
    writeFileSync(join(dir, 'c.json'), matrix([
      { metric: { __name__: 'vllm:prompt_tokens_total', ...labels }, values: [[T0, '100'], [T0 + 300, '700'], [T0 + 600, '1000']] },
      { metric: { __name__: 'vllm:generation_tokens_total', ...labels }, values: [[T0, '10'], [T0 + 300, '40'], [T0 + 600, '50']] },
    ]));
    const run = await cliIn(dir, ['ingest', join(dir, 'c.json'), '--source', 'gateway']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(vllm\): 6 rows read, 6 stored/);
    const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
    assert.deepEqual(db.prepare('SELECT SUM(input_tokens), SUM(output_tokens) FROM usage_events').raw().get(), [900, 40]);
    db.close();
  });

  it('an error answer, or a result that is no matrix or vector, is one line, exit 2', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'e.json'), JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'invalid parameter "query"' }));
    const error = await cliIn(dir, ['ingest', join(dir, 'e.json'), '--source', 'gpu']);
    assert.equal(error.code, 2);
    assert.equal(error.stderr, `chargeback: ${join(dir, 'e.json')}: the Prometheus API answered error: bad_data invalid parameter "query"\n`);
    writeFileSync(join(dir, 's.json'), JSON.stringify({ status: 'success', data: { resultType: 'scalar', result: [T0, '1'] } }));
    assert.match((await cliIn(dir, ['ingest', join(dir, 's.json'), '--source', 'gpu'])).stderr, /a Prometheus API answer of type scalar: expected a matrix \(query_range\) or a vector \(query\)/);
  });
  it("through a ServiceMonitor the exporter's namespace and pod are Prometheus's; the workload's exported_* labels own the GPU (issue 31)", async () => {
    const { dir } = workspace();
    const viaMonitor = { ...GPU, namespace: 'default', pod: 'dcgm-exporter-7xk2p', container: 'exporter', exported_namespace: 'search', exported_pod: 'ranker-0', exported_container: 'vllm' };
    writeFileSync(join(dir, 'a.json'), matrix([{ metric: { __name__: 'DCGM_FI_DEV_GPU_UTIL', ...viaMonitor }, values: [[T0, '50']] }]));
    assert.equal((await cliIn(dir, ['ingest', join(dir, 'a.json'), '--source', 'gpu'])).code, 0);
    // The same series as text, as a scrape of Prometheus's federation endpoint writes it.
    const labels = Object.entries(viaMonitor).map(([k, v]) => `${k}="${v}"`).join(',');
    writeFileSync(join(dir, 'b.prom'), `DCGM_FI_DEV_GPU_UTIL{${labels}} 70 ${(T0 + 60) * 1000}\n`);
    assert.equal((await cliIn(dir, ['ingest', join(dir, 'b.prom'), '--source', 'gpu'])).code, 0);
    const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
    const rows = db.prepare('SELECT namespace, pod, container FROM gpu_samples ORDER BY ts_ms').all();
    db.close();
    assert.deepEqual(rows, [{ namespace: 'search', pod: 'ranker-0', container: 'vllm' }, { namespace: 'search', pod: 'ranker-0', container: 'vllm' }]);
  });
});
