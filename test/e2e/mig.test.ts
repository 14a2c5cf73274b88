import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Decimal } from '../../src/domain/money.js';
import { migShare } from '../../src/ingest/gpu/dcgm.js';
import { chargeback, fixture, workspace } from './cli.js';

/**
 * A MIG A100 as dcgm-exporter exposes it (labels as it writes them: gpu, UUID, device,
 * modelName, GPU_I_PROFILE, GPU_I_ID, Hostname, and the pod's namespace/pod): no GPU_UTIL per
 * slice, DCGM_FI_PROF_GR_ENGINE_ACTIVE as a ratio instead.
 */
function scrape(): string {
  const slice = (id: number, profile: string, active: string, owner: string) =>
    `DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-5bd1",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="${profile}",GPU_I_ID="${id}",Hostname="node-1"${owner}} ${active}\n` +
    `DCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-5bd1",device="nvidia0",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="${profile}",GPU_I_ID="${id}",Hostname="node-1"${owner}} 1024\n`;
  let text = '# HELP DCGM_FI_PROF_GR_ENGINE_ACTIVE Ratio of time the graphics engine is active.\n# TYPE DCGM_FI_PROF_GR_ENGINE_ACTIVE gauge\n';
  // 13 scrapes five minutes apart: twelve 5-minute intervals, and the last one the median, 5 minutes: 65 minutes.
  for (let i = 0; i < 13; i++) {
    text += `# ts=${new Date(Date.UTC(2026, 9, 5, 10, 5 * i)).toISOString()}\n`;
    text += slice(1, '3g.40gb', '0.5', ',namespace="team-a",pod="train-0"');
    text += slice(2, '2g.20gb', '1.0', ',namespace="team-b",pod="serve-0"');
    text += slice(3, '1g.10gb', '0.2', '');
  }
  return text;
}

describe('MIG slices (issue 17)', () => {
  it('shares from profiles: n compute slices of 7, or of 4 on an A30; a whole GPU has none', () => {
    const cases: [string | undefined, string | undefined, string | undefined][] = [
      ['1g.10gb', 'NVIDIA A100-SXM4-80GB', '1/7'], ['3g.40gb', 'NVIDIA H100 80GB HBM3', '3/7'], ['2g.12gb', 'NVIDIA A30', '2/4'],
      ['7g.80gb', 'NVIDIA A100-SXM4-80GB', undefined], [undefined, 'NVIDIA A100-SXM4-80GB', undefined], ['bogus', 'x', undefined],
    ];
    for (const [profile, model, expected] of cases) {
      const share = migShare(profile, model);
      assert.equal(share?.toFixed(), expected === undefined ? undefined : new Decimal(expected.split('/')[0]!).dividedBy(expected.split('/')[1]!).toFixed(), `${profile} ${model}`);
    }
  });

  it('exact hours: seven 1g slices of one GPU over three minutes are 0.05 GPU-hours, busy half of it, in the summary and the statement (issue 31)', () => {
    const { dir } = workspace();
    let text = '';
    // Three scrapes a minute apart: two 1-minute intervals and the last the median, 1 minute.
    for (let i = 0; i < 3; i++) {
      text += `# ts=${new Date(Date.UTC(2026, 9, 5, 10, i)).toISOString()}\n`;
      for (let id = 1; id <= 7; id++) {
        text += `DCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-7s",modelName="NVIDIA A100-SXM4-80GB",GPU_I_PROFILE="1g.10gb",GPU_I_ID="${id}",Hostname="node-7",namespace="team-a"} 0.5\n`;
      }
    }
    writeFileSync(join(dir, 'seven.prom'), text);
    assert.equal(chargeback(dir, ['ingest', join(dir, 'seven.prom'), '--source', 'gpu']).code, 0);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-A, match: { namespace: [team-a] } }
pools:
  - { id: hours, cost: { fixed: "7.00" }, method: proportional, driver: gpu_hours }
  - { id: busy, cost: { fixed: "7.00" }, method: proportional, driver: gpu_busy_hours }
`);
    const compute = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(compute.code, 0, compute.stderr);
    const lines = (JSON.parse(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'json']).stdout) as { lines: { pool: string; quantity: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.pool, l.quantity]), [['busy', '0.025'], ['hours', '0.05']]);
    const summary = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']).stdout) as { gpus: { hours: string; busy_hours: string }[] };
    assert.equal(summary.gpus.length, 7);
    // Each slice's 3/420 and 1.5/420 of an hour, printed as every quantity is: at 20 decimal places.
    for (const gpu of summary.gpus) assert.deepEqual([gpu.hours, gpu.busy_hours], ['0.00714285714285714286', '0.00357142857142857143']);
  });

  it('busy time from GR_ENGINE_ACTIVE; each slice\'s hours at its share; the slices add up to at most the GPU\'s hours', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'mig.prom'), scrape());
    const run = chargeback(dir, ['ingest', join(dir, 'mig.prom'), '--source', 'gpu']);
    assert.equal(run.code, 0, run.stderr);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-A, match: { namespace: [team-a] } }
  - { id: CC-B, match: { namespace: [team-b] } }
pools:
  - { id: hours, cost: { fixed: "0.00" }, method: proportional, driver: gpu_hours }
  - { id: busy, cost: { fixed: "0.00" }, method: proportional, driver: gpu_busy_hours }
`);
    assert.equal(chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]).code, 0);
    const lines = (JSON.parse(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'json']).stdout) as { lines: { cost_centre: string; pool: string; quantity: string | null }[] }).lines;
    const q = (centre: string, pool: string) => new Decimal(lines.find((l) => l.cost_centre === centre && l.pool === pool)?.quantity ?? 'NaN');
    const hours = new Decimal(65).dividedBy(60);
    // By hand: 65 minutes each; team-a 3/7 of the GPU, busy half of it; team-b 2/7, busy all of it.
    const close = (a: Decimal, b: Decimal) => assert.ok(a.minus(b).abs().lessThan('1e-19'), `${a} ≠ ${b}`);
    close(q('CC-A', 'hours'), hours.times(3).dividedBy(7));
    close(q('CC-B', 'hours'), hours.times(2).dividedBy(7));
    close(q('CC-A', 'busy'), hours.times(3).dividedBy(7).times('0.5'));
    close(q('CC-B', 'busy'), hours.times(2).dividedBy(7));
    // All three slices: 6/7 of the GPU's 65 minutes; the seventh slice was never carved, so idle.
    const summary = chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']);
    const rows = (JSON.parse(summary.stdout) as { gpus: { gpu: string; hours: string }[] }).gpus;
    assert.deepEqual(rows.map((r) => r.gpu), ['GPU-5bd1/mig-1', 'GPU-5bd1/mig-2', 'GPU-5bd1/mig-3']);
    const total = rows.reduce((s, r) => s.plus(r.hours), new Decimal(0));
    assert.ok(total.lessThanOrEqualTo(hours), `${total} > ${hours}`);
    close(total, hours.times(6).dividedBy(7));
  });
});

describe('a real MIG scrape (NVIDIA\'s dcgm-exporter documentation, Apache-2.0)', () => {
  const SCRAPE = 'data/gpu/dcgm-exporter_scrape_mig-a100_nvidia-docs.prom';
  it('the GPU\'s own metrics beside its slice\'s: the slice is the usage, at 1/7, busy from its GR_ENGINE_ACTIVE; the GPU is not counted again', () => {
    const { dir } = workspace();
    const text = readFileSync(fixture(SCRAPE), 'utf8');
    const sliceActive = /^DCGM_FI_PROF_GR_ENGINE_ACTIVE\{[^}]*GPU_I_ID="13"[^}]*\} (\S+)$/m.exec(text)![1]!;
    // The scrape has no timestamps: taken twice, five minutes apart, as a cron job with --at would.
    for (const at of ['2026-10-05T10:00:00Z', '2026-10-05T10:05:00Z']) {
      const run = chargeback(dir, ['ingest', fixture(SCRAPE), '--source', 'gpu', '--at', at]);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(dcgm\): 2 rows read, 2 stored, 0 duplicate, 0 rejected/);
    }
    const summary = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']).stdout) as { gpus: { host: string; gpu: string; hours: string; busy_hours: string; energy_kwh: string | null }[] };
    // The whole GPU keeps only what DCGM measures of it alone, its energy (issue 35), and no hours.
    assert.deepEqual(summary.gpus.map((g) => [g.host, g.gpu, g.hours]), [
      ['ub20-a100-k8s', 'GPU-34319582-d595-d1c7-d1d2-179bcfa61660', '0'],
      ['ub20-a100-k8s', 'GPU-34319582-d595-d1c7-d1d2-179bcfa61660/mig-13', summary.gpus[1]!.hours],
    ]);
    // By hand: two samples, the first lasting 5 minutes and the last the median, 5 minutes: 10 minutes at 1/7.
    const hours = new Decimal(10).dividedBy(60).dividedBy(7);
    const near = (a: string, b: Decimal) => assert.ok(new Decimal(a).minus(b).abs().lessThan('1e-12'), `${a} ≠ ${b}`);
    near(summary.gpus[1]!.hours, hours);
    near(summary.gpus[1]!.busy_hours, hours.times(sliceActive));
    // Its energy: the same scrape twice holds one counter reading, so only the power over the last interval, 409.692 W × 5 min:
    // 122,907,600 mJ, the slice's 1/7 of it to the millijoule (17,558,228.57, its remainder the larger), the rest the GPU's.
    const mj = (kwh: string | null) => new Decimal(kwh!).times(3_600_000_000).toDecimalPlaces(0).toFixed();
    assert.deepEqual(summary.gpus.map((g) => mj(g.energy_kwh)), ['105349371', '17558229']);
  });
});

describe('a carved GPU\'s own samples from another file or reader', () => {
  it('the GPU\'s samples and its slice\'s, ingested from two files, still count the slice only', () => {
    const { dir } = workspace();
    const [whole, slice] = readFileSync(fixture('data/gpu/dcgm-exporter_scrape_mig-a100_nvidia-docs.prom'), 'utf8').split('\n\n');
    writeFileSync(join(dir, 'whole.prom'), `${whole}\n`);
    writeFileSync(join(dir, 'slice.prom'), slice!);
    for (const at of ['2026-10-05T10:00:00Z', '2026-10-05T10:05:00Z']) {
      for (const file of ['whole.prom', 'slice.prom']) assert.equal(chargeback(dir, ['ingest', join(dir, file), '--source', 'gpu', '--at', at]).code, 0);
    }
    const summary = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']).stdout) as { gpus: { gpu: string; hours: string }[] };
    assert.deepEqual(summary.gpus.map((g) => [g.gpu, g.hours === '0']), [['GPU-34319582-d595-d1c7-d1d2-179bcfa61660', true], ['GPU-34319582-d595-d1c7-d1d2-179bcfa61660/mig-13', false]]);
  });
});

describe('other GPU exporters and hosts (issue 17)', () => {
  const EXPORTER = 'data/gpu/nvidia_gpu_exporter_scrape_h100-80gb-hbm3_load.prom';
  it('nvidia_gpu_exporter\'s real scrape: utilisation ratio as percent, memory bytes as MiB, the uuid as the GPU', () => {
    const { dir } = workspace();
    const text = readFileSync(fixture(EXPORTER), 'utf8');
    const value = (metric: string) => new Decimal(new RegExp(`^${metric}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)![1]!);
    const run = chargeback(dir, ['ingest', fixture(EXPORTER), '--source', 'gpu', '--at', '2026-10-05T10:00:00Z', '--host', 'gpu-node-1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /\(nvidia-gpu-exporter\): 1 rows read, 1 stored/);
    const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
    const row = db.prepare('SELECT host, util_pct AS util, mem_used_mib AS mem FROM gpu_samples').get() as { host: string; util: string; mem: string };
    db.close();
    assert.equal(row.host, 'gpu-node-1');
    assert.equal(row.util, value('nvidia_smi_utilization_gpu_ratio').times(100).toFixed());
    assert.equal(row.mem, value('nvidia_smi_memory_used_bytes').dividedBy(1048576).toFixed());
  });

  it('a --host given on the command line wins over a Hostname label (a container id in Docker)', () => {
    const { dir } = workspace();
    const run = chargeback(dir, ['ingest', fixture('data/gpu/dcgm-exporter_scrape_datadog-fixture.prom'), '--source', 'gpu', '--at', '2026-10-05T10:00:00Z', '--host', 'node-7']);
    assert.equal(run.code, 0, run.stderr);
    const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
    assert.deepEqual(db.prepare('SELECT DISTINCT host FROM gpu_samples').pluck().all(), ['node-7']);
    db.close();
  });

  it('a file that yields no GPU sample is never a quiet success: one line, exit 1, nothing stored', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'power.prom'), '# ts=2026-10-05T10:00:00Z\nDCGM_FI_DEV_GPU_TEMP{gpu="0",UUID="GPU-1",Hostname="h"} 41\n');
    const run = chargeback(dir, ['ingest', join(dir, 'power.prom'), '--source', 'gpu']);
    assert.equal(run.code, 1);
    assert.equal(run.stderr, `chargeback: ${join(dir, 'power.prom')}: no GPU samples: the file holds none of the metrics the dcgm format reads; nothing was stored\n`);
    assert.equal(chargeback(dir, ['batches', '--format', 'json']).stdout.trim(), '[]');
  });
});

describe('the card names hosts (issue 17)', () => {
  it('hosts: maps the Hostname DCGM gives (a container id) to the host a centre\'s host rule names', () => {
    const { dir } = workspace();
    const scrape = (at: string) => `# ts=${at}\nDCGM_FI_DEV_GPU_UTIL{gpu="0",UUID="GPU-1",modelName="Tesla T4",Hostname="424773df46e0"} 50\nDCGM_FI_DEV_FB_USED{gpu="0",UUID="GPU-1",modelName="Tesla T4",Hostname="424773df46e0"} 100\n`;
    writeFileSync(join(dir, 'd.prom'), scrape('2026-10-05T10:00:00Z') + scrape('2026-10-05T10:05:00Z'));
    assert.equal(chargeback(dir, ['ingest', join(dir, 'd.prom'), '--source', 'gpu']).code, 0);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
hosts: { "424773df46e0": gpu-node-1 }
cost_centres:
  - { id: CC-1, match: { host: [gpu-node-1] } }
pools:
  - { id: gpu, cost: { fixed: "10.00" }, method: proportional, driver: gpu_hours }
`);
    assert.equal(chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]).code, 0);
    const lines = (JSON.parse(chargeback(dir, ['statement', '--month', '2026-10', '--format', 'json']).stdout) as { lines: { cost_centre: string; amount: string }[] }).lines;
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.amount]), [['CC-1', '10.00']]);
    const summary = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'), '--format', 'json']).stdout) as { gpus: { host: string; owners: string[] }[] };
    assert.deepEqual(summary.gpus.map((g) => [g.host, g.owners]), [['gpu-node-1', ['CC-1']]]);
  });
});

describe('the card\'s MIG shares (issue 17)', () => {
  it('mig_shares gives a profile the share its name does not say (an A30-like 4-slice GPU named as 7)', () => {
    const { dir } = workspace();
    const scrape = (at: string) => `# ts=${at}\nDCGM_FI_PROF_GR_ENGINE_ACTIVE{gpu="0",UUID="GPU-9",modelName="NVIDIA X200",GPU_I_PROFILE="1g.12gb",GPU_I_ID="1",Hostname="h",namespace="team-a"} 1\n`;
    writeFileSync(join(dir, 'd.prom'), scrape('2026-10-05T10:00:00Z') + scrape('2026-10-05T10:05:00Z'));
    assert.equal(chargeback(dir, ['ingest', join(dir, 'd.prom'), '--source', 'gpu']).code, 0);
    const card = (shares: string) => `version: 1
currency: USD
unallocated: CC-0000
${shares}
cost_centres:
  - { id: CC-A, match: { namespace: [team-a] } }
pools:
  - { id: gpu, cost: { fixed: "0.00" }, method: proportional, driver: gpu_hours }
`;
    const hours = (shares: string) => {
      writeFileSync(join(dir, 'card.yaml'), card(shares));
      const summary = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml'), '--format', 'json']).stdout) as { gpus: { hours: string }[] };
      return new Decimal(summary.gpus[0]!.hours);
    };
    // Two samples 5 minutes apart: 10 minutes of a slice. By its name, 1/7 of the GPU; by the card, 1/4.
    assert.ok(hours('').minus(new Decimal(10).dividedBy(60).dividedBy(7)).abs().lessThan('1e-19'));
    assert.ok(hours('mig_shares: { "1g.12gb": "1/4" }').minus(new Decimal(10).dividedBy(60).dividedBy(4)).abs().lessThan('1e-19'));
    writeFileSync(join(dir, 'bad.yaml'), card('mig_shares: { "1g.12gb": "2" }'));
    const bad = chargeback(dir, ['ratecard', 'validate', join(dir, 'bad.yaml')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr + bad.stdout, /mig_shares\.1g\.12gb: expected a share of the GPU above 0 and at most 1, as "1\/7" or "0\.25", got "2"/);
  });
});
