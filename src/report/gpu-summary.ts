import type { GpuSummaryRow } from '../domain/gpu.js';
import { formatQuantity, type Decimal } from '../domain/money.js';
import { printable } from './cells.js';
import { fitTable, type Column } from './table.js';
import { asCsv, asJson, type View } from './view.js';

export interface GpuSummaryView {
  month: string;
  rows: readonly GpuSummaryRow[];
}

const COLUMNS: Column[] = [
  { head: 'host', shrink: true },
  { head: 'gpu', shrink: true },
  { head: 'hours', align: 'right', drop: 2 },
  { head: 'owned hours', align: 'right' },
  { head: 'busy hours', align: 'right', drop: 1 },
  { head: 'owners', shrink: true },
];

const short = (d: Decimal) => d.toDecimalPlaces(4).toFixed();
const record = (r: GpuSummaryRow) => ({
  host: r.host, gpu: r.gpu, hours: formatQuantity(r.hours), owned_hours: formatQuantity(r.ownedHours), busy_hours: formatQuantity(r.busyHours),
  busy_unknown_hours: formatQuantity(r.unmeasuredHours), owners: r.owners,
});

/** Busy hours as measured, and how much was not (MIG mode reports no utilisation): unknown is never shown as idle. */
function busyCell(r: GpuSummaryRow): string {
  if (r.unmeasuredHours.isZero()) return short(r.busyHours);
  if (r.unmeasuredHours.equals(r.hours)) return 'unknown';
  return `${short(r.busyHours)} + ${short(r.unmeasuredHours)} h unknown`;
}

/** `gpu summary`: per host and GPU, hours observed, owned and busy, and who owned them. */
export const GPU_SUMMARY_VIEW: View<GpuSummaryView> = {
  table: ({ month, rows }, look) => `GPUs ${month}\n${fitTable({
    columns: COLUMNS,
    rows: rows.map((r) => [printable(r.host), printable(r.gpu), short(r.hours), short(r.ownedHours), busyCell(r), printable(r.owners.join(', '))]),
  }, look)}\n`,
  json: ({ month, rows }) => asJson({ month, gpus: rows.map(record) }),
  csv: ({ rows }) => asCsv(['host', 'gpu', 'hours', 'owned_hours', 'busy_hours', 'busy_unknown_hours', 'owners'], rows.map((r) => {
    const x = record(r);
    return [x.host, x.gpu, x.hours, x.owned_hours, x.busy_hours, x.busy_unknown_hours, x.owners.join(' ')];
  })),
};
