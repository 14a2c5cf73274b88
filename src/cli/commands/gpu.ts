import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { summariseGpus } from '../../domain/gpu.js';
import { matchCostCentre } from '../../domain/match.js';
import { formatQuantity } from '../../domain/money.js';
import { monthRange } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { COMPACT } from '../../report/showback.js';
import { maxGapOption, requireMaxGap, requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';
import { gpuIntervalsOf } from '../month-inputs.js';

interface GpuFlags {
  month: string;
  maxGap: string;
  rateCard?: string;
  format: 'table' | 'json';
}

/** `chargeback gpu summary --month M`: per host and GPU, hours observed, owned and busy, and owners. */
export function registerGpu(program: Command, io: Io): void {
  const gpu = program.command('gpu').description('look at ingested GPU telemetry');
  gpu
    .command('summary')
    .description('per host and GPU: hours observed, hours owned, busy hours and owners for the month')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .addOption(maxGapOption())
    .option('--rate-card <file>', "also count hours its cost centres own by host or namespace (and use its zone)")
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((flags: GpuFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const maxGapMs = requireMaxGap(flags.maxGap);
      const card = flags.rateCard ? readRateCard(flags.rateCard).card : null;
      const range = monthRange(month, card?.timezone ?? 'UTC');
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const owns = card
        ? (s: { host: string; namespace?: string }) =>
            matchCostCentre({ source: 'gpu', identity: { host: s.host, ...(s.namespace ? { namespace: s.namespace } : {}) }, tags: {} }, card.costCentres)?.id ?? null
        : undefined;
      const rows = summariseGpus(gpuIntervalsOf(ledger, range, maxGapMs, card ?? {}), range, owns);
      ledger.close();
      if (flags.format === 'json') {
        const json = rows.map((r) => ({ ...r, hours: formatQuantity(r.hours), ownedHours: formatQuantity(r.ownedHours), busyHours: formatQuantity(r.busyHours) }));
        io.stdout(`${JSON.stringify({ month: month.label, gpus: json }, null, 2)}\n`);
        return;
      }
      const table = new Table({
        head: ['host', 'gpu', 'hours', 'owned hours', 'busy hours', 'owners'],
        colAligns: ['left', 'left', 'right', 'right', 'right', 'left'],
        style: { head: [], border: [] },
        chars: COMPACT,
      });
      const short = (d: { toDecimalPlaces(n: number): { toFixed(): string } }) => d.toDecimalPlaces(4).toFixed();
      for (const r of rows) table.push([r.host, r.gpu, short(r.hours), short(r.ownedHours), short(r.busyHours), r.owners.join(', ')]);
      io.stdout(`GPUs ${month.label}\n${table.toString()}\n`);
    });
}
