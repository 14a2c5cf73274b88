import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Decimal } from '../../src/domain/money.js';
import { migProfile, parseCtime } from '../../src/ingest/gpu/nvidia-smi-xml.js';
import { cliIn, fixture, workspace } from './cli.js';

/** Real `nvidia-smi -q -x` captures (telegraf's test data, MIT): see fixtures/data/SOURCES.md. */
const CAPTURES = {
  t4: 'data/gpu/nvidia-smi-q-x_tesla-t4.xml',
  rtx3080: 'data/gpu/nvidia-smi-q-x_rtx-3080_v13.xml',
  a100Mig: 'data/gpu/nvidia-smi-q-x_a100-sxm4-80gb_mig.xml',
  noTimestamp: 'data/gpu/nvidia-smi-q-x_gtx-1070-ti_no-timestamp.xml',
} as const;

const read = (path: string) => readFileSync(fixture(path), 'utf8');

function samples(dir: string): { gpu: string; ts: number; util: string | null; mem: string | null; share: string | null; profile: string | null }[] {
  const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
  try {
    return db.prepare('SELECT gpu, ts_ms AS ts, util_pct AS util, mem_used_mib AS mem, share, profile FROM gpu_samples ORDER BY ts_ms, gpu').all() as never;
  } finally {
    db.close();
  }
}

/** What the capture says, read with regular expressions rather than the reader: the independent figures. */
function byHand(text: string): { uuid: string; util: string; used: string } {
  const gpu = text.slice(text.indexOf('<gpu '));
  const uuid = /<uuid>([^<]+)<\/uuid>/.exec(gpu)![1]!;
  const util = /<utilization>\s*<gpu_util>([^<]+)<\/gpu_util>/.exec(gpu)![1]!;
  // The GPU's own framebuffer (the first <fb_memory_usage> directly under <gpu>, after any MIG devices).
  const afterMig = gpu.includes('</mig_devices>') ? gpu.slice(gpu.indexOf('</mig_devices>')) : gpu;
  const used = /<fb_memory_usage>\s*<total>[^<]*<\/total>\s*(?:<reserved>[^<]*<\/reserved>\s*)?<used>([^<]+)<\/used>/.exec(afterMig)![1]!;
  return { uuid, util, used };
}

describe('nvidia-smi -q -x (issue 17)', () => {
  it('real captures (v11, v13): one sample per GPU at the capture time, busy and memory as the XML says', async () => {
    for (const [path, iso] of [[CAPTURES.t4, '2023-04-24T16:22:39.000Z'], [CAPTURES.rtx3080, '2026-04-10T10:23:01.000Z']] as const) {
      const { dir } = workspace();
      const run = await cliIn(dir, ['ingest', fixture(path), '--source', 'gpu', '--host', 'node-1']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(nvidia-smi-xml\): 1 rows read, 1 stored, 0 duplicate, 0 rejected; host node-1 \(--host\)/);
      const expected = byHand(read(path));
      assert.deepEqual(samples(dir), [{
        gpu: expected.uuid, ts: Date.parse(iso), util: expected.util.replace(/\s*%$/, ''), mem: expected.used.replace(/\s*MiB$/, ''), share: null, profile: null,
      }]);
      // The power draw, where v11 (power_readings) and v13 (gpu_power_readings, instant) put it: what energy is integrated from.
      const drawn = /<(?:power_draw|instant_power_draw)>([\d.]+) W</.exec(read(path))![1]!;
      const db = new Database(join(dir, 'chargeback.db'), { readonly: true });
      assert.equal(db.prepare('SELECT power_w FROM gpu_samples').pluck().get(), new Decimal(drawn).toFixed());
      db.close();
    }
  });

  it('the capture\'s clock is the host\'s: --tz says its zone', async () => {
    const { dir } = workspace();
    assert.equal((await cliIn(dir, ['ingest', fixture(CAPTURES.t4), '--source', 'gpu', '--host', 'node-1', '--tz', 'Europe/Berlin'])).code, 0);
    assert.equal(samples(dir)[0]!.ts, Date.parse('2023-04-24T14:22:39Z'));
  });

  it('a MIG A100 (real capture): one sample per MIG device, named as DCGM names it, at 1/7 of the GPU, its busy time unknown', async () => {
    const { dir } = workspace();
    const text = read(CAPTURES.a100Mig);
    const run = await cliIn(dir, ['ingest', fixture(CAPTURES.a100Mig), '--source', 'gpu', '--host', 'node-1']);
    assert.equal(run.code, 0, run.stderr);
    const instances = [...text.matchAll(/<gpu_instance_id>(\d+)<\/gpu_instance_id>/g)].map((m) => m[1]!);
    const uuid = byHand(text).uuid;
    const rows = samples(dir);
    assert.deepEqual(rows.map((r) => r.gpu), instances.map((i) => `${uuid}/mig-${i}`));
    for (const row of rows) {
      assert.equal(row.util, null);
      assert.equal(row.mem, '12');
      assert.equal(row.profile, '1g.20gb');
      assert.equal(new Decimal(row.share!).times(7).toDecimalPlaces(30).toFixed(), '1');
    }
  });

  it('thirteen captures appended (nvidia-smi -q -x -l 300): the slices add up to 4/7 of the GPU\'s hours, the rest idle', async () => {
    const { dir } = workspace();
    const text = read(CAPTURES.a100Mig);
    // The real capture, retimed five minutes apart, as `-l 300` appends it.
    const loop = Array.from({ length: 13 }, (_, i) => text.replace(/<timestamp>[^<]+<\/timestamp>/, `<timestamp>Mon Oct  5 10:${String(5 * i).padStart(2, '0')}:00 2026</timestamp>`.replace('10:60', '11:00'))).join('');
    writeFileSync(join(dir, 'loop.xml'), loop);
    const run = await cliIn(dir, ['ingest', join(dir, 'loop.xml'), '--source', 'gpu', '--host', 'node-1']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /52 rows read, 52 stored/);
    const summary = JSON.parse((await cliIn(dir, ['gpu', 'summary', '--month', '2026-10', '--format', 'json'])).stdout) as { gpus: { gpu: string; hours: string; busy_hours: string; busy_unknown_hours: string }[] };
    // By hand: 13 captures, 12 five-minute intervals and the last the median (5 minutes): 65 minutes per slice, at 1/7.
    const total = summary.gpus.reduce((s, r) => s.plus(r.hours), new Decimal(0));
    assert.equal(total.toDecimalPlaces(12).toFixed(), new Decimal(65).dividedBy(60).times(4).dividedBy(7).toDecimalPlaces(12).toFixed());
    assert.equal(summary.gpus.length, 4);
    // MIG mode reports no utilisation ([N/A]): busy is unknown, never 0 busy and all idle (issue 31).
    for (const gpu of summary.gpus) {
      assert.deepEqual([gpu.busy_hours, gpu.busy_unknown_hours], ['0', gpu.hours]);
    }
    assert.match((await cliIn(dir, ['gpu', 'summary', '--month', '2026-10', '--wide'])).stdout, /│ +unknown │/);
    writeFileSync(join(dir, 'card.yaml'), `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-A, match: { host: [node-1] } }
pools:
  - { id: busy, cost: { fixed: "100.00" }, method: proportional, driver: gpu_busy_hours }
  - { id: hours, cost: { fixed: "100.00" }, method: proportional, driver: gpu_hours }
`);
    const compute = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.equal(compute.code, 0, compute.stderr);
    assert.match(compute.stderr, /warning: pool busy: 0\.62 GPU-hours reported no utilisation \(\[N\/A\], e\.g\. MIG mode\): their busy time could not be measured and is not charged by gpu_busy_hours/);
    assert.doesNotMatch(compute.stderr, /pool hours: .* reported no utilisation/);
  });

  it('MIG profiles from SMs and memory, as nvidia-smi mig -lgip lists them', async () => {
    const cases: [string, number, string, string][] = [
      ['NVIDIA A100-SXM4-80GB', 14, '9728', '1g.10gb'], ['NVIDIA A100-SXM4-80GB', 14, '19968', '1g.20gb'], ['NVIDIA A100-SXM4-80GB', 28, '20096', '2g.20gb'],
      ['NVIDIA A100-SXM4-80GB', 42, '40192', '3g.40gb'], ['NVIDIA A100-SXM4-80GB', 56, '40192', '4g.40gb'], ['NVIDIA A100-SXM4-80GB', 98, '81152', '7g.80gb'],
      ['NVIDIA A100-PCIE-40GB', 14, '4864', '1g.5gb'], ['NVIDIA A30', 14, '5952', '1g.6gb'], ['NVIDIA A30', 28, '11968', '2g.12gb'], ['NVIDIA A30', 56, '24064', '4g.24gb'],
      ['NVIDIA H100 80GB HBM3', 16, '9984', '1g.10gb'], ['NVIDIA H100 80GB HBM3', 26, '20096', '1g.20gb'], ['NVIDIA H100 80GB HBM3', 32, '20096', '2g.20gb'],
      ['NVIDIA H100 80GB HBM3', 60, '40192', '3g.40gb'], ['NVIDIA H100 80GB HBM3', 64, '40192', '4g.40gb'], ['NVIDIA H100 80GB HBM3', 132, '81152', '7g.80gb'],
      ['NVIDIA H100 PCIe', 16, '9856', '1g.10gb'], ['NVIDIA B200', 18, '23552', '18sm.23gb'],
    ];
    for (const [model, sms, mib, profile] of cases) assert.equal(migProfile(model, sms, new Decimal(mib)), profile, `${model} ${sms} SMs`);
  });

  it('nvidia-smi\'s ctime: one- and two-digit days, zones, impossible dates', async () => {
    assert.equal(parseCtime('Fri Aug  4 11:44:30 2023', 'UTC'), Date.parse('2023-08-04T11:44:30Z'));
    assert.equal(parseCtime('Sun Mar 2 15:02:02 2025', 'UTC'), Date.parse('2025-03-02T15:02:02Z'));
    assert.equal(parseCtime('Mon Apr 24 16:22:39 2023', 'America/New_York'), Date.parse('2023-04-24T20:22:39Z'));
    for (const bad of ['Fri Feb 30 11:44:30 2023', 'Fri Xyz  4 11:44:30 2023', '2023-08-04 11:44:30', '']) assert.equal(parseCtime(bad, 'UTC'), null, bad);
  });

  it('a capture without <timestamp> is refused saying --at; its rejects file read again with --at stores it', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'old.xml'), read(CAPTURES.noTimestamp));
    const run = await cliIn(dir, ['ingest', join(dir, 'old.xml'), '--source', 'gpu', '--host', 'node-1']);
    assert.equal(run.code, 1);
    const rejects = readFileSync(join(dir, 'old.xml.rejects.csv'), 'utf8');
    assert.match(rejects, /^capture,line,reason\n/);
    assert.match(rejects, /,1,"field ""timestamp"": no <timestamp>: the capture has none \(pass --at\)"\n$/);
    const again = await cliIn(dir, ['ingest', join(dir, 'old.xml.rejects.csv'), '--source', 'gpu', '--host', 'node-1', '--at', '2026-10-05T10:00:00Z']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(samples(dir).map((s) => [s.gpu, s.ts, s.util, s.mem]), [['GPU-f9ba66fc-a7f5-94c5-da19-019ef2f9c665', Date.parse('2026-10-05T10:00:00Z'), '0', '42']]);
  });

  it('malformed twins: each bad GPU or capture is one reject naming its line and field; the good captures are stored', async () => {
    const t4 = read(CAPTURES.t4);
    const gpuLine = t4.slice(0, t4.indexOf('<gpu ')).split('\n').length;
    const cases: { name: string; text: string; stored: number; line: number; reason: RegExp }[] = [
      { name: 'bad utilisation', text: t4.replace('<gpu_util>0 %</gpu_util>', '<gpu_util>zero %</gpu_util>'), stored: 0, line: gpuLine, reason: /field "utilization\.gpu_util": expected a percentage, got "zero %"/ },
      { name: 'bad memory', text: t4.replace('<used>1032 MiB</used>', '<used>lots</used>'), stored: 0, line: gpuLine, reason: /field "fb_memory_usage\.used": expected MiB, got "lots"/ },
      { name: 'no uuid', text: t4.replace(/<uuid>[^<]*<\/uuid>/, '').replace(/<gpu id="[^"]*">/, '<gpu>'), stored: 0, line: gpuLine, reason: /field "uuid": missing/ },
      { name: 'bad time', text: t4.replace(/<timestamp>[^<]+</, '<timestamp>yesterday<'), stored: 0, line: 4, reason: /field "timestamp": expected a time like/ },
      // A good capture, then one cut off mid-way (a copy interrupted): the first is kept; the reject names where the cut is.
      { name: 'cut', text: t4 + t4.slice(0, 5000), stored: 1, line: (t4 + t4.slice(0, 5000)).split('\n').length - 1, reason: /not a whole nvidia-smi XML capture: unclosed tag: encoder_stats/ },
      { name: 'garbled', text: t4.replace('<product_name>', '<product_name attr=>'), stored: 0, line: gpuLine + 1, reason: /not a whole nvidia-smi XML capture/ },
    ];
    for (const c of cases) {
      const { dir } = workspace();
      writeFileSync(join(dir, 'capture.xml'), c.text);
      const run = await cliIn(dir, ['ingest', join(dir, 'capture.xml'), '--source', 'gpu', '--host', 'node-1']);
      assert.equal(run.code, 1, `${c.name}: ${run.stderr}`);
      assert.match(run.stdout, new RegExp(`${c.stored} stored, 0 duplicate, 1 rejected`), c.name);
      const rejects = readFileSync(join(dir, 'capture.xml.rejects.csv'), 'utf8');
      const last = rejects.trimEnd().split('\n').at(-1)!;
      assert.match(last, new RegExp(`",${c.line},`), `${c.name}: ${last}`);
      assert.match(rejects.replaceAll('""', '"'), c.reason, c.name);
      assert.equal(samples(dir).length, c.stored, c.name);
    }
  });

  it('one line, exit 2: no --host, an empty file, XML that is not nvidia-smi\'s, or XML given as a gateway log', async () => {
    const { dir } = workspace();
    const t4 = fixture(CAPTURES.t4);
    const noHost = await cliIn(dir, ['ingest', t4, '--source', 'gpu']);
    assert.deepEqual([noHost.code, noHost.stderr], [2, `chargeback: ${t4}: field "host": nvidia-smi output does not name its host: pass --host\n`]);
    writeFileSync(join(dir, 'other.xml'), '<?xml version="1.0"?>\n<rss><channel/></rss>\n');
    const other = await cliIn(dir, ['ingest', join(dir, 'other.xml'), '--source', 'gpu']);
    assert.equal(other.code, 2);
    assert.match(other.stderr, /^chargeback: .*other\.xml:1: cannot tell the format from the XML \(root element: rss\); known gpu formats: .*nvidia-smi-xml/);
    const wrong = await cliIn(dir, ['ingest', t4, '--source', 'gateway']);
    assert.deepEqual([wrong.code, wrong.stderr], [2, `chargeback: ${t4}:1: this looks like GPU telemetry (nvidia-smi-xml): use --source gpu\n`]);
    writeFileSync(join(dir, 'empty.xml'), '');
    const empty = await cliIn(dir, ['ingest', join(dir, 'empty.xml'), '--source', 'gpu', '--format', 'nvidia-smi-xml', '--host', 'h']);
    assert.equal(empty.code, 2, empty.stderr);
    assert.equal((await cliIn(dir, ['batches', '--format', 'json'])).stdout.trim(), '[]');
  });
});
