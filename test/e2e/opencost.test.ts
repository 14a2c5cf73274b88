import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import { Decimal } from '../../src/domain/money.js';
import { cliIn, fixture, workspace } from './cli.js';

/**
 * An OpenCost allocation answer in the API's documented shape (the fields of a real
 * allocation record, as OpenCost's API returns them; no openly licensed capture with GPU
 * hours was found): two hourly steps, two namespaces on a GPU node, a CPU-only namespace,
 * and __idle__.
 */
function allocation(name: string, start: string, end: string, gpuHours: number, node = 'gpu-node-1') {
  return {
    name, properties: { cluster: 'default-cluster', node, namespace: name, providerID: 'i-0863bf81a09cd437f' },
    window: { start, end }, start, end, minutes: 60, cpuCores: 0.5, cpuCoreHours: 0.5, cpuCost: 0.0042,
    gpuCount: gpuHours, gpuHours, gpuCost: gpuHours * 2.48, gpuCostAdjustment: 0, ramBytes: 10906112, ramCost: 2e-05, totalCost: 0.00044 + gpuHours * 2.48,
  };
}
const H0 = ['2026-10-05T10:00:00Z', '2026-10-05T11:00:00Z'] as const;
const H1 = ['2026-10-05T11:00:00Z', '2026-10-05T12:00:00Z'] as const;
const ANSWER = {
  code: 200,
  data: [
    { search: allocation('search', ...H0, 2), support: allocation('support', ...H0, 0.5), 'kube-system': allocation('kube-system', ...H0, 0), __idle__: allocation('__idle__', ...H0, 1.5) },
    { search: allocation('search', ...H1, 1.25), support: allocation('support', ...H1, 0.5) },
  ],
};

describe('OpenCost allocations as GPU usage (issue 17)', () => {
  it('each namespace\'s GPU hours drive a gpu_hours pool; idle and CPU-only allocations are not usage; a re-pull counts nothing twice', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'alloc.json'), JSON.stringify(ANSWER, null, 2));
    const run = await cliIn(dir, ['ingest', join(dir, 'alloc.json'), '--source', 'gpu']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(opencost\): 4 rows read, 4 stored, 0 duplicate, 0 rejected/);
    assert.match((await cliIn(dir, ['ingest', join(dir, 'alloc.json'), '--source', 'gpu', '--format', 'opencost', '--tz', 'UTC'])).stdout, /4 rows read, 0 stored, 4 duplicate/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-SEARCH, match: { namespace: [search] } }
  - { id: CC-SUPPORT, match: { namespace: [support] } }
pools:
  - { id: gpu, cost: { fixed: "0.00" }, method: proportional, driver: gpu_hours }
`);
    assert.equal((await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')])).code, 0);
    const lines = (JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout) as { lines: { cost_centre: string; quantity: string }[] }).lines;
    const q = (centre: string) => new Decimal(lines.find((l) => l.cost_centre === centre)!.quantity);
    const close = (a: Decimal, b: number) => assert.ok(a.minus(b).abs().lessThan('1e-18'), `${a} ≠ ${b}`);
    close(q('CC-SEARCH'), 2 + 1.25);
    close(q('CC-SUPPORT'), 0.5 + 0.5);
  });

  it('malformed twins: GPU hours as text, a window that ends before it starts: one-line rejects', async () => {
    const { dir } = workspace();
    const bad = { code: 200, data: [{ a: { ...allocation('a', ...H0, 1), gpuHours: 'lots' }, b: { ...allocation('b', ...H0, 1), window: { start: H0[1], end: H0[0] }, start: H0[1], end: H0[0] }, c: allocation('c', ...H0, 1) }] };
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const run = await cliIn(dir, ['ingest', join(dir, 'bad.json'), '--source', 'gpu', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /3 rows read, 1 stored, 0 duplicate, 2 rejected/);
    const reasons = (parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { reason: string }[]).map((r) => r.reason);
    assert.deepEqual(reasons.map((r) => r.split(':')[0]), ['field "gpuHours"', 'field "window"']);
  });
});

describe('OpenCost\'s own example answer (a real two-day answer in its API reference, Apache-2.0)', () => {
  const REAL = fixture('data/gpu/opencost_allocation-namespace_swagger-example.json');
  it('a cluster without GPUs: no allocation has GPU hours, so nothing is stored, one line, exit 1', async () => {
    const { dir } = workspace();
    const run = await cliIn(dir, ['ingest', REAL, '--source', 'gpu']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `chargeback: ${REAL}: no GPU samples: the file holds none of the metrics the opencost format reads; nothing was stored\n`);
  });

  it('the same answer with one GPU on the opencost pod: its GPU hours, on its node, owned by its namespace', async () => {
    const { dir } = workspace();
    const answer = JSON.parse(readFileSync(REAL, 'utf8')) as { data: Record<string, { minutes: number; gpuHours: number; gpuCount: number; properties: { node: string } }>[] };
    const pod = answer.data[0]!.opencost!;
    // One GPU for the allocation's whole life: its GPU hours are its minutes over 60 (2879.235705 / 60).
    const gpuHours = new Decimal(pod.minutes).dividedBy(60);
    pod.gpuCount = 1;
    pod.gpuHours = gpuHours.toNumber();
    writeFileSync(join(dir, 'gpu.json'), JSON.stringify(answer));
    const run = await cliIn(dir, ['ingest', join(dir, 'gpu.json'), '--source', 'gpu']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(opencost\): 1 rows read, 1 stored, 0 duplicate, 0 rejected/);
    const summary = JSON.parse((await cliIn(dir, ['gpu', 'summary', '--month', '2023-01', '--format', 'json'])).stdout) as { gpus: { host: string; gpu: string; hours: string }[] };
    assert.deepEqual(summary.gpus.map((g) => [g.host, g.gpu]), [[pod.properties.node, 'opencost/opencost']]);
    assert.ok(new Decimal(summary.gpus[0]!.hours).minus(gpuHours).abs().lessThan('1e-9'), `${summary.gpus[0]!.hours} ≠ ${gpuHours}`);
  });
});
