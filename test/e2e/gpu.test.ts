import assert from 'node:assert/strict';
import { Decimal } from '../../src/domain/money.js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { chooseReader, fileStart } from '../../src/ingest/index.js';
import { readAll, type ReadItem } from '../../src/ingest/reader.js';
import { chargeback, ROOT, workspace } from './cli.js';

const GPU = join(ROOT, 'fixtures/data/gpu');

async function read(file: string, options: { host?: string; tz?: string; at?: number } = {}): Promise<ReadItem[]> {
  const text = readFileSync(file, 'utf8');
  const reader = chooseReader('gpu', undefined, fileStart(text), file);
  const items: ReadItem[] = [];
  for await (const batch of readAll(reader, Readable.from([Buffer.from(text)]), { name: file, ...options })) items.push(...batch);
  return items;
}

describe('GPU telemetry: the real samples', () => {
  it('the DCGM fixture: one GPU with utilisation and framebuffer use; other metrics and the NOTE lines are skipped', async () => {
    const items = await read(join(GPU, 'dcgm-exporter_scrape_datadog-fixture.prom'), { at: Date.UTC(2026, 9, 5, 10) });
    const samples = items.flatMap((i) => (i.kind === 'gpu' ? [i.sample] : []));
    assert.equal(samples.length, 1);
    const [sample] = samples;
    assert.deepEqual([sample!.host, sample!.gpu, sample!.utilPct?.toFixed(), sample!.memUsedMib?.toFixed(), sample!.tsMs],
      ['424773df46e0', 'GPU-20c56d28-0da5-6d26-a36a-e7af1ce2586e', '0', '0', Date.UTC(2026, 9, 5, 10)]);
    const without = await read(join(GPU, 'dcgm-exporter_scrape_datadog-fixture.prom'));
    const reasons = without.flatMap((i) => (i.kind === 'reject' ? [i.reject.reason] : []));
    assert.equal(reasons.length, 4); // POWER_USAGE, TOTAL_ENERGY_CONSUMPTION, GPU_UTIL and FB_USED lines, each without a time
    assert.match(reasons[0]!, /no time: the sample has none and no "# ts=" line came before it \(or pass --at\)/);
  });

  // capture                      utilization.gpu   memory.used   timestamp (in --tz Europe/Berlin)
  const captures: [string, string | null, string, string][] = [
    ['nvidia-smi_query-gpu_h100-80gb-hbm3_load.csv', '100', '19818', '2026-07-14T06:12:53.353Z'],
    ['nvidia-smi_query-gpu_h100-mig_load.csv', null, '11125', '2026-07-14T07:00:44.579Z'], // MIG: [N/A]
    ['nvidia-smi_query-gpu_l40s_load.csv', '9', '1235', '2026-07-03T06:33:53.415Z'],
  ];
  for (const [file, util, mem, ts] of captures) {
    it(`${file}: units stripped, [N/A] missing, time in the host's zone`, async () => {
      const items = await read(join(GPU, file), { host: 'box', tz: 'Europe/Berlin' });
      const samples = items.flatMap((i) => (i.kind === 'gpu' ? [i.sample] : []));
      assert.equal(samples.length, 1, JSON.stringify(items.filter((i) => i.kind === 'reject')));
      const [sample] = samples;
      assert.deepEqual([sample!.utilPct?.toFixed() ?? null, sample!.memUsedMib?.toFixed(), new Date(sample!.tsMs).toISOString(), sample!.gpu],
        [util, mem, ts, 'GPU-00000000-0000-0000-0000-000000000000']);
      const header = items.find((i) => i.kind === 'header');
      assert.ok(header?.kind === 'header' && header.ignored.length > 150, 'the 200-odd other columns are listed as ignored');
      // The power draw, what energy is integrated from where no counter is (issue 35), as the capture has it.
      const [head, row] = readFileSync(join(GPU, file), 'utf8').split('\n');
      const drawn = row!.split(', ')[head!.split(', ').indexOf('power.draw [W]')]!.replace(/ W$/, '');
      assert.equal(sample!.powerW?.toFixed() ?? null, drawn.startsWith('[') ? null : new Decimal(drawn).toFixed());
    });
  }
});

/** A day of samples every 60 s on three GPUs, with a 20-minute gap, and one GPU seen once. */
function samples() {
  const out: { host: string; gpu: string; ns?: string; t: number; util: number; mib: number }[] = [];
  const start = Date.UTC(2026, 9, 7);
  for (let i = 0; i < 240; i++) {
    if (i >= 100 && i < 120) continue; // a gap of 21 minutes: capped at 5
    const t = start + i * 60_000;
    out.push({ host: 'h1', gpu: 'GPU-a', ns: 'research', t, util: (i * 7) % 101, mib: 1024 + i });
    out.push({ host: 'h1', gpu: 'GPU-b', ns: 'growth', t, util: 50, mib: 2048 });
    out.push({ host: 'h2', gpu: 'GPU-c', t, util: 25, mib: 512 });
  }
  out.push({ host: 'h3', gpu: 'GPU-d', t: start, util: 100, mib: 1 });
  return out;
}

/** Independent integration: per GPU, capped gaps plus the median for the last sample. */
function expectedSeconds() {
  const byGpu = new Map<string, number[]>();
  for (const s of samples()) byGpu.set(`${s.host}/${s.gpu}`, [...(byGpu.get(`${s.host}/${s.gpu}`) ?? []), s.t]);
  return new Map([...byGpu].map(([gpu, times]) => {
    const gaps = times.slice(1).map((t, i) => Math.min(t - times[i]!, 300_000));
    const sorted = [...gaps].sort((a, b) => a - b);
    const median = sorted.length === 0 ? 0 : sorted.length % 2 ? sorted[sorted.length >> 1]! : (sorted[sorted.length / 2 - 1]! + sorted[sorted.length / 2]!) / 2;
    return [gpu, (gaps.reduce((a, b) => a + b, 0) + median) / 1000];
  }));
}

describe('nvidia-smi without header or units', () => {
  it('reads noheader,nounits output with --columns, and the same values with a header', () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'noheader.csv'), '2026/10/07 10:00:00.000, GPU-x, 40, 1000\n2026/10/07 10:01:00.000, GPU-x, 60, 3000\n');
    const run = chargeback(dir, ['ingest', join(dir, 'noheader.csv'), '--source', 'gpu', '--format', 'nvidia-smi', '--host', 'h',
      '--columns', 'timestamp,uuid,utilization.gpu,memory.used']);
    assert.match(run.stdout, /\(nvidia-smi\): 2 rows read, 2 stored/, run.stderr);
    const gpus = JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']).stdout).gpus;
    // two samples a minute apart: 60 s + the median 60 s = 2 minutes; busy 60×0.4 + 60×0.6 = 60 s
    assert.deepEqual([gpus[0].hours, gpus[0].busy_hours], ['0.03333333333333333333', '0.01666666666666666667']);
  });
});

describe('GPU telemetry: DCGM scrapes and nvidia-smi CSV of the same samples', () => {
  it('give identical GPU-hours, equal to an independent integration, gap and single sample included', () => {
    const dcgmDir = workspace().dir;
    const smiDir = workspace().dir;
    const scrapes = new Map<number, string[]>();
    for (const s of samples()) {
      const labels = `gpu="0",UUID="${s.gpu}",Hostname="${s.host}"${s.ns ? `,namespace="${s.ns}",pod="p-${s.ns}"` : ',namespace=""'}`;
      scrapes.set(s.t, [...(scrapes.get(s.t) ?? []), `DCGM_FI_DEV_GPU_UTIL{${labels}} ${s.util}`, `DCGM_FI_DEV_FB_USED{${labels}} ${s.mib}`]);
    }
    const prom = [...scrapes].map(([t, lines]) => `# ts=${new Date(t).toISOString()}\n# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).\n${lines.join('\n')}`).join('\n');
    writeFileSync(join(dcgmDir, 'scrapes.prom'), prom);
    assert.match(chargeback(dcgmDir, ['ingest', join(dcgmDir, 'scrapes.prom'), '--source', 'gpu']).stdout, /\(dcgm\): 661 rows read, 661 stored/);
    for (const host of ['h1', 'h2', 'h3']) {
      const rows = samples().filter((s) => s.host === host).map((s) => {
        const d = new Date(s.t);
        const wall = `${d.getUTCFullYear()}/${String(d.getUTCMonth() + 1).padStart(2, '0')}/${String(d.getUTCDate()).padStart(2, '0')} ${d.toISOString().slice(11, 23)}`;
        return `${wall}, ${s.gpu}, ${s.util} %, ${s.mib} MiB`;
      });
      writeFileSync(join(smiDir, `${host}.csv`), `timestamp, uuid, utilization.gpu [%], memory.used [MiB]\n${rows.join('\n')}\n`);
      assert.equal(chargeback(smiDir, ['ingest', join(smiDir, `${host}.csv`), '--source', 'gpu', '--host', host]).code, 0);
    }
    const summary = (dir: string) => JSON.parse(chargeback(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json']).stdout).gpus as
      { host: string; gpu: string; hours: string; busy_hours: string; owned_hours: string; owners: string[] }[];
    const fromDcgm = summary(dcgmDir);
    const fromSmi = summary(smiDir);
    assert.deepEqual(fromDcgm.map((r) => [r.host, r.gpu, r.hours, r.busy_hours]), fromSmi.map((r) => [r.host, r.gpu, r.hours, r.busy_hours]));
    const expected = expectedSeconds();
    for (const row of fromDcgm) assert.equal(Number(row.hours) * 3600, expected.get(`${row.host}/${row.gpu}`), `${row.host}/${row.gpu}`);
    assert.equal(fromDcgm.find((r) => r.gpu === 'GPU-d')?.hours, '0'); // one sample: 0 hours
    assert.deepEqual(fromDcgm.find((r) => r.gpu === 'GPU-a')?.owners, ['research']);
    assert.equal(fromDcgm.find((r) => r.gpu === 'GPU-c')?.owned_hours, '0'); // an empty namespace label is no label
  });

  it('a time-based pool over the month reconciles to C, idle and unlabelled hours shown', () => {
    const { dir } = workspace();
    const lines: string[] = [];
    for (const s of samples()) {
      const labels = `UUID="${s.gpu}",Hostname="${s.host}"${s.ns ? `,namespace="${s.ns}"` : ''}`;
      lines.push(`DCGM_FI_DEV_GPU_UTIL{${labels}} ${s.util} ${s.t}`);
    }
    writeFileSync(join(dir, 'samples.prom'), `${lines.join('\n')}\n`);
    chargeback(dir, ['ingest', join(dir, 'samples.prom'), '--source', 'gpu']);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-4300, name: Research, match: { namespace: [research] } }
  - { id: CC-4400, name: Dedicated, match: { host: [h2] } }
pools:
  - { id: gpus, cost: { fixed: "9200.00" }, usage: { sources: [gpu] }, method: time-based, driver: gpu_hours, rate: "2.10" }
`);
    const run = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(run.code, 0, run.stderr);
    const expected = expectedSeconds();
    // research (h1/GPU-a), growth (h1/GPU-b, labelled but unmatched → CC-0000), h2 by its host rule; h3 (no label, no rule) is idle.
    const price = (seconds: number) => (Math.round((seconds / 3600) * 2.1 * 100 + 1e-9) / 100).toFixed(2);
    const csv = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    assert.match(csv, new RegExp(`CC-4300,Research,gpus,time-based,gpu_hours,[\\d.]+,2.1,${price(expected.get('h1/GPU-a')!)},USD`));
    assert.match(csv, new RegExp(`CC-4400,Dedicated,gpus,time-based,gpu_hours,[\\d.]+,2.1,${price(expected.get('h2/GPU-c')!)},USD`));
    assert.match(csv, /CC-0000,,gpus,idle,gpu_hours,,,\d+\.\d\d,USD/);
    assert.match(run.stdout, /Σ lines 9,200\.00 = Σ pool costs 9,200\.00 \+ price-list charges 0\.00: reconciled/);
  });
});
