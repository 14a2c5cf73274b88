import { energyByOwner, type GpuSummaryRow } from '../domain/gpu.js';
import { kwhText } from '../domain/cost-parts.js';
import { MJ_PER_KWH } from '../domain/drivers.js';
import { formatQuantity, type Decimal } from '../domain/money.js';
import { printable } from './cells.js';
import { fitTable, type Column, type Look } from './table.js';
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
const KWH: Column = { head: 'kWh', align: 'right' };

const short = (d: Decimal) => d.toDecimalPlaces(4).toFixed();
/** Energy is kept in mJ; shown in kWh to the watt-hour, and exactly in JSON. */
const kwh = (mj: Decimal | undefined) => (mj === undefined ? null : kwhText(mj));
const exactKwh = (mj: Decimal) => formatQuantity(mj.dividedBy(MJ_PER_KWH));
const NO_OWNER = '(none)';
/** Each owner's energy over every GPU, the energy of no one's named as such. */
const ownersEnergy = (rows: readonly GpuSummaryRow[]) => energyByOwner(rows).map(([owner, mj]): [string, Decimal] => [owner || NO_OWNER, mj]);
const record = (r: GpuSummaryRow) => ({
  host: r.host, gpu: r.gpu, hours: formatQuantity(r.hours), owned_hours: formatQuantity(r.ownedHours), busy_hours: formatQuantity(r.busyHours),
  busy_unknown_hours: formatQuantity(r.unmeasuredHours), owners: r.owners,
  energy_kwh: r.energyMj === undefined ? null : exactKwh(r.energyMj),
  ...(r.energyByOwner ? { energy_by_owner: r.energyByOwner.map(([owner, mj]) => ({ owner: owner || NO_OWNER, kwh: exactKwh(mj) })) } : {}),
});

function energyTable(rows: readonly GpuSummaryRow[], look: Look): string {
  const owners = ownersEnergy(rows);
  if (owners.length === 0) return '';
  return `Energy by owner\n${fitTable({ columns: [{ head: 'owner', shrink: true }, { head: 'kWh', align: 'right' }], rows: owners.map(([owner, mj]) => [printable(owner), kwhText(mj)]) }, look)}\n`;
}

/** Busy hours as measured, and how much was not (MIG mode reports no utilisation): unknown is never shown as idle. */
function busyCell(r: GpuSummaryRow): string {
  if (r.unmeasuredHours.isZero()) return short(r.busyHours);
  if (r.unmeasuredHours.equals(r.hours)) return 'unknown';
  return `${short(r.busyHours)} + ${short(r.unmeasuredHours)} h unknown`;
}

/** `gpu summary`: per host and GPU, hours observed, owned and busy, and who owned them. */
export const GPU_SUMMARY_VIEW: View<GpuSummaryView> = {
  table: ({ month, rows }, look) => {
    // The kWh column only where some GPU measured energy: telemetry without it reads as before.
    const measured = rows.some((r) => r.energyMj !== undefined);
    return `GPUs ${month}\n${fitTable({
      columns: measured ? [...COLUMNS.slice(0, 5), KWH, COLUMNS[5]!] : COLUMNS,
      rows: rows.map((r) => [printable(r.host), printable(r.gpu), short(r.hours), short(r.ownedHours), busyCell(r),
        ...(measured ? [kwh(r.energyMj) ?? 'not measured'] : []), printable(r.owners.join(', '))]),
    }, look)}\n${energyTable(rows, look)}`;
  },
  json: ({ month, rows }) => asJson({ month, gpus: rows.map(record), energy_by_owner: ownersEnergy(rows).map(([owner, mj]) => ({ owner, kwh: exactKwh(mj) })) }),
  csv: ({ rows }) => asCsv(['host', 'gpu', 'hours', 'owned_hours', 'busy_hours', 'busy_unknown_hours', 'owners', 'energy_kwh'], rows.map((r) => {
    const x = record(r);
    return [x.host, x.gpu, x.hours, x.owned_hours, x.busy_hours, x.busy_unknown_hours, x.owners.join(' '), x.energy_kwh];
  })),
};
