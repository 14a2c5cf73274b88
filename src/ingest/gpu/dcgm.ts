import { migDevice } from '../../domain/gpu.js';
import { Decimal } from '../../domain/money.js';
import { gpuPromReader } from './prom-gpu.js';

const ONE = new Decimal(1);
const PERCENT = new Decimal(100);

/**
 * A MIG slice's share of its GPU from its profile (`3g.40gb`: 3 compute slices) over the GPU's
 * slices: 4 on an A30, 7 on the A100, H100, H200, A800, H800 and B200. Undefined for a whole GPU.
 */
export function migShare(profile: string | undefined, model: string | undefined): Decimal | undefined {
  const slices = profile === undefined ? null : /^(\d+)g\./.exec(profile);
  if (!slices) return undefined;
  const total = /\bA30\b/.test(model ?? '') ? 4 : 7;
  const n = Math.min(Number(slices[1]), total);
  return n === total ? undefined : new Decimal(n).dividedBy(total);
}

/**
 * dcgm-exporter: busy time from GPU_UTIL where DCGM reports it, else (a MIG slice has none)
 * the graphics engine's active ratio, else the SMs' (issue 17); framebuffer use in MiB; the
 * energy counter in mJ and the power draw in W (issue 35). Host
 * from `Hostname` or `hostname`; GPU from `UUID` (with `GPU_I_ID` for a MIG slice, whose
 * `GPU_I_PROFILE` gives its share of the GPU), else `gpu`.
 */
export const dcgm = gpuPromReader({
  format: 'dcgm',
  expected: 'dcgm-exporter samples',
  metrics: {
    DCGM_FI_DEV_GPU_UTIL: { kind: 'busy', rank: 0, scale: ONE },
    DCGM_FI_PROF_GR_ENGINE_ACTIVE: { kind: 'busy', rank: 1, scale: PERCENT },
    DCGM_FI_PROF_SM_ACTIVE: { kind: 'busy', rank: 2, scale: PERCENT },
    DCGM_FI_DEV_FB_USED: { kind: 'mem', scale: ONE },
    // A 64-bit counter: past 2^31 mJ (a GPU at 70 W gets there in nine hours) it is a value, not DCGM's 32-bit blank.
    DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION: { kind: 'energy', scale: ONE, blank: new Decimal('9223372036854775792') },
    DCGM_FI_DEV_POWER_USAGE: { kind: 'power', scale: ONE },
  },
  // A scrape names DCGM metrics; a file of only "# ts=" lines and comments names none.
  detect: (names) => names.length === 0 || names.some((n) => n.startsWith('dcgm_')),
  host: (labels) => labels.Hostname ?? labels.hostname,
  gpu: (labels) => {
    const gpu = labels.UUID ?? labels.gpu;
    return gpu !== undefined && labels.GPU_I_ID !== undefined ? migDevice(gpu, labels.GPU_I_ID) : gpu;
  },
  gpuLabel: 'UUID',
  // DCGM's "blank" sentinels (int32 and int64 ranges) mean no value.
  blank: new Decimal('2147483632'),
  share: (labels) => migShare(labels.GPU_I_PROFILE, labels.modelName ?? labels.DCGM_FI_DEV_NAME),
});
