import { SaxesParser } from 'saxes';
import { InputError } from '../../domain/errors.js';
import { migDevice } from '../../domain/gpu.js';
import type { Decimal } from '../../domain/money.js';
import { zonedToUtc } from '../../domain/month.js';
import type { GpuSample } from '../../domain/types.js';
import type { IncrementalParser, ReadItem, Reader, ReadOptions } from '../reader.js';
import { inTimeLimits } from '../values.js';
import { migShare } from './dcgm.js';
import { parseMeasure } from './nvidia-smi.js';

/** The root element that ends each capture: `nvidia-smi -q -x -l N` appends one document per loop. */
const ROOT = 'nvidia_smi_log';
const CAPTURE_END = `</${ROOT}>`;
/** A capture of a 16-GPU host is about 1 MB; one larger than this is not nvidia-smi's. */
const MAX_CAPTURE_CHARS = 64 << 20;

/** An XML element as the capture holds it: its text, children, line, and where it sits in the document. */
interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: Element[];
  line: number;
  start: number;
  end: number;
}

/** The first child at a path of element names, or undefined. */
function at(element: Element | undefined, ...path: string[]): Element | undefined {
  return path.reduce<Element | undefined>((e, name) => e?.children.find((c) => c.name === name), element);
}

const textAt = (element: Element | undefined, ...path: string[]) => at(element, ...path)?.text.trim() ?? '';

/**
 * Parses one capture into elements; a document that is not well-formed XML is an error with
 * its line (saxes is strict: a cut or garbled capture is refused, never half read).
 */
function parseCapture(doc: string): { root: Element } | { line: number; message: string } {
  const parser = new SaxesParser({ position: true });
  const stack: Element[] = [];
  let root: Element | undefined;
  let failure: { line: number; message: string } | undefined;
  let tagStart = 0;
  parser.on('opentagstart', (tag) => {
    // The parser stands past `<name` (or past `>`): the element starts at the `<` before it.
    tagStart = doc.lastIndexOf(`<${tag.name}`, parser.position);
  });
  parser.on('opentag', (tag) => {
    const element: Element = { name: tag.name, attributes: { ...(tag.attributes as Record<string, string>) }, text: '', children: [], line: parser.line, start: tagStart, end: -1 };
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('text', (text) => {
    const open = stack.at(-1);
    if (open) open.text += text;
  });
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element) element.end = parser.position;
  });
  parser.on('error', (error) => {
    failure ??= { line: parser.line, message: error.message.replace(/^(?:[^:\s]*:)?\d+:\d+: /, '') };
  });
  parser.write(doc).close();
  if (failure) return failure;
  if (!root) return { line: 1, message: 'no root element' };
  return { root };
}

const CTIME = /^[A-Za-z]{3}\s+([A-Za-z]{3})\s+(\d{1,2})\s+(\d{2}):(\d{2}):(\d{2})\s+(\d{4})$/;
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** `Fri Aug  4 11:44:30 2023` (nvidia-smi's ctime) in the host's zone (`--tz`), as UTC ms. */
export function parseCtime(text: string, zone: string): number | null {
  const m = CTIME.exec(text.trim());
  const month = m ? MONTHS.indexOf(m[1]!.toLowerCase()) : -1;
  if (!m || month < 0) return null;
  const [d, h, mi, s, y] = [m[2], m[3], m[4], m[5], m[6]].map(Number) as number[];
  const wall = Date.UTC(y!, month, d!, h!, mi!, s!);
  return new Date(wall).getUTCDate() === d ? inTimeLimits(zonedToUtc(wall, zone)) : null;
}


/**
 * Streaming multiprocessors of one compute slice, by GPU family, as `nvidia-smi mig -lgip`
 * lists its profiles (A100: 14, 28, 42, 56, 98 SMs for 1g…7g; H100: 16, 26 for 1g.20gb, 32,
 * 60, 64, 132). A MIG device's slices are its SMs over this, rounded down, at most the
 * GPU's slices: the profile name nvidia-smi's XML leaves out.
 */
const SMS_PER_SLICE: readonly (readonly [RegExp, number])[] = [
  [/\b(A100|A800|A30)\b/, 14],
  [/\b(H100|H800|H200|GH200|H20)\b/, 16],
];

/**
 * A MIG device's profile as nvidia-smi names it (`1g.20gb`: compute slices, then memory in GB
 * rounded up), from its SMs and memory; for a GPU family the table does not know, `14sm.20gb`,
 * which a card's `mig_shares` can give a share.
 */
export function migProfile(model: string, sms: number, totalMib: Decimal | null): string {
  const gb = totalMib === null ? '?' : totalMib.dividedBy(1024).ceil().toFixed();
  const perSlice = SMS_PER_SLICE.find(([family]) => family.test(model))?.[1];
  if (perSlice === undefined) return `${sms}sm.${gb}gb`;
  const slices = Math.min(Math.floor(sms / perSlice), /\bA30\b/.test(model) ? 4 : 7);
  return `${Math.max(slices, 1)}g.${gb}gb`;
}

/**
 * The power draw where each DTD puts it (issue 35: energy is integrated from it): v10's
 * `power_readings/power_draw`, v12's `gpu_power_readings/power_draw`, v13's
 * `gpu_power_readings/instant_power_draw`. The path it was found at, and its text ('' for none).
 */
function powerDraw(gpu: Element): [string, string] {
  const places = [['power_readings', 'power_draw'], ['gpu_power_readings', 'power_draw'], ['gpu_power_readings', 'instant_power_draw']];
  const found = places.find((path) => textAt(gpu, ...path) !== '');
  return found ? [found.join('.'), textAt(gpu, ...found)] : ['power_readings.power_draw', ''];
}

/** What the reader makes of one `<gpu>`: its samples (one, or one per MIG device) or why not. */
type GpuRead = { samples: GpuSample[] } | { field: string; reason: string };

function readGpu(gpu: Element, tsMs: number, host: string): GpuRead {
  const id = textAt(gpu, 'uuid') || (gpu.attributes.id ?? '');
  if (id === '') return { field: 'uuid', reason: 'missing: a GPU needs its uuid or its id' };
  const model = textAt(gpu, 'product_name');
  const mem = parseMeasure(textAt(gpu, 'fb_memory_usage', 'used'));
  if (mem === 'bad') return { field: 'fb_memory_usage.used', reason: `expected MiB, got "${textAt(gpu, 'fb_memory_usage', 'used')}"` };
  const devices = textAt(gpu, 'mig_mode', 'current_mig') === 'Enabled' ? at(gpu, 'mig_devices')?.children.filter((c) => c.name === 'mig_device') ?? [] : [];
  if (devices.length === 0) {
    const util = parseMeasure(textAt(gpu, 'utilization', 'gpu_util'));
    if (util === 'bad') return { field: 'utilization.gpu_util', reason: `expected a percentage, got "${textAt(gpu, 'utilization', 'gpu_util')}"` };
    const [where, drawn] = powerDraw(gpu);
    const power = parseMeasure(drawn);
    if (power === 'bad') return { field: where, reason: `expected watts, got "${drawn}"` };
    return { samples: [{ tsMs, host, gpu: id, utilPct: util, memUsedMib: mem, ...(power === null ? {} : { powerW: power }) }] };
  }
  // A MIG GPU: one sample per device, at its share; nvidia-smi reports no activity per device.
  const samples: GpuSample[] = [];
  for (const device of devices) {
    const instance = textAt(device, 'gpu_instance_id');
    if (!/^\d+$/.test(instance)) return { field: 'mig_device.gpu_instance_id', reason: `expected a GPU instance id, got "${instance}"` };
    const sms = textAt(device, 'device_attributes', 'shared', 'multiprocessor_count');
    if (!/^\d+$/.test(sms) || Number(sms) === 0) return { field: 'mig_device.multiprocessor_count', reason: `expected the MIG device's SM count, got "${sms}"` };
    const used = parseMeasure(textAt(device, 'fb_memory_usage', 'used'));
    const total = parseMeasure(textAt(device, 'fb_memory_usage', 'total'));
    if (used === 'bad' || total === 'bad') return { field: 'mig_device.fb_memory_usage', reason: `expected MiB, got "${textAt(device, 'fb_memory_usage', used === 'bad' ? 'used' : 'total')}"` };
    const profile = migProfile(model, Number(sms), total);
    const share = migShare(profile, model);
    samples.push({ tsMs, host, gpu: migDevice(id, instance), utilPct: null, memUsedMib: used, profile, ...(share ? { share } : {}) });
  }
  return { samples };
}

/**
 * A `<gpu>` alone as a capture of its own (its capture's time kept), so a rejects file holds
 * documents this reader reads again.
 */
function captureOf(doc: string, gpu: Element, timestamp: string): string {
  const own = gpu.end > gpu.start && doc.startsWith('<gpu', gpu.start) ? doc.slice(gpu.start, gpu.end) : null;
  if (own === null) return doc.trim();
  return `<${ROOT}>\n${timestamp === '' ? '' : `<timestamp>${timestamp}</timestamp>\n`}${own}\n${CAPTURE_END}`;
}

/**
 * `nvidia-smi -q -x` (v10 to v13 DTDs): one capture, or many appended (`-l N`). Each `<gpu>`
 * is one sample at the capture's `<timestamp>` (the host's wall clock: `--tz`; a capture
 * without one takes `--at`), on the host `--host` (the XML names none); the GPU is its uuid.
 * Busy from `utilization/gpu_util`, memory from `fb_memory_usage/used`, power from its power
 * draw (powerDraw; not for a GPU in MIG mode, whose samples are its devices'). A GPU in MIG mode is
 * one sample per MIG device, `UUID/mig-ID` as DCGM names it, at its share of the GPU from
 * the profile its SMs tell (issue 17); its busy time is unknown (`N/A`), so only DCGM's
 * profiling metrics give a slice busy hours.
 */
function parser({ name, tz, host, at: atMs }: ReadOptions): IncrementalParser {
  let pending = '';
  let lineBase = 0;
  let started = false;
  const items: ReadItem[] = [];
  const reject = (line: number, field: string | null, reason: string, text: string) =>
    void items.push({ kind: 'reject', reject: { line, field, reason, cells: [text] } });

  function start(): void {
    if (started) return;
    started = true;
    if (!host) throw new InputError(name, null, 'host', 'nvidia-smi output does not name its host: pass --host');
    items.push({ kind: 'header', columns: ['capture'], ignored: [] });
  }

  function capture(doc: string): void {
    const first = lineBase + 1 + (/^\s*/.exec(doc)![0].match(/\n/g)?.length ?? 0);
    lineBase += doc.match(/\n/g)?.length ?? 0;
    const trimmed = doc.trim();
    if (trimmed === '') return;
    start();
    const parsed = parseCapture(trimmed);
    if (!('root' in parsed)) return reject(first + parsed.line - 1, null, `not a whole nvidia-smi XML capture: ${parsed.message}`, trimmed);
    const { root } = parsed;
    if (root.name !== ROOT) return reject(first, null, `expected <${ROOT}>, got <${root.name}>`, trimmed);
    const timestamp = textAt(root, 'timestamp');
    const tsMs = timestamp === '' ? atMs ?? null : parseCtime(timestamp, tz ?? 'UTC');
    if (tsMs === null) {
      const reason = timestamp === '' ? 'no <timestamp>: the capture has none (pass --at)' : `expected a time like "Fri Aug  4 11:44:30 2023", got "${timestamp}"`;
      return reject(first + (at(root, 'timestamp')?.line ?? 1) - 1, 'timestamp', reason, trimmed);
    }
    for (const gpu of root.children.filter((c) => c.name === 'gpu')) {
      const read = readGpu(gpu, tsMs, host!);
      const line = first + gpu.line - 1;
      const text = captureOf(trimmed, gpu, timestamp);
      if ('reason' in read) reject(line, read.field, read.reason, text);
      else for (const sample of read.samples) items.push({ kind: 'gpu', line, sample, cells: [text] });
    }
  }

  return {
    push(text) {
      pending += text;
      for (let end = pending.indexOf(CAPTURE_END); end >= 0; end = pending.indexOf(CAPTURE_END)) {
        capture(pending.slice(0, end + CAPTURE_END.length));
        pending = pending.slice(end + CAPTURE_END.length);
      }
      if (pending.length > MAX_CAPTURE_CHARS) {
        throw new InputError(name, lineBase + 1, null, `a capture longer than ${MAX_CAPTURE_CHARS} characters without ${CAPTURE_END}: not nvidia-smi -q -x output`);
      }
      return items.splice(0);
    },
    end() {
      // What follows the last capture's end is a cut capture (or nothing).
      capture(pending);
      pending = '';
      if (!started) throw new InputError(name, null, null, 'the file is empty: expected nvidia-smi -q -x output');
      return items.splice(0);
    },
  };
}

export const nvidiaSmiXml: Reader = {
  format: 'nvidia-smi-xml',
  source: 'gpu',
  shape: 'xml',
  dateField: 'timestamp',
  nothingRead: 'no GPU samples',
  detect: (names) => names.includes(ROOT),
  parser,
};
