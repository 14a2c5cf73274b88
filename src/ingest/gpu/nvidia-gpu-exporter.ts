import { Decimal } from '../../domain/money.js';
import { gpuPromReader } from './prom-gpu.js';

/**
 * utkuozdemir/nvidia_gpu_exporter (nvidia-smi behind Prometheus): busy time from
 * `nvidia_smi_utilization_gpu_ratio` (0–1), memory from `nvidia_smi_memory_used_bytes`, power
 * from `nvidia_smi_power_draw_watts`; the
 * GPU is its `uuid` label. The exporter names no host: Prometheus' `instance` label does when
 * it scraped the file, else `--host`.
 */
export const nvidiaGpuExporter = gpuPromReader({
  format: 'nvidia-gpu-exporter',
  expected: 'nvidia_gpu_exporter samples',
  metrics: {
    nvidia_smi_utilization_gpu_ratio: { kind: 'busy', rank: 0, scale: new Decimal(100) },
    nvidia_smi_memory_used_bytes: { kind: 'mem', scale: new Decimal(1).dividedBy(1 << 20) },
    nvidia_smi_power_draw_watts: { kind: 'power', scale: new Decimal(1) },
  },
  detect: (names) => names.some((n) => n.startsWith('nvidia_smi_')),
  host: (labels) => labels.instance,
  gpu: (labels) => labels.uuid,
  gpuLabel: 'uuid',
});
