import type { Command } from 'commander';
import { monthRange } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { GPU_SUMMARY_VIEW } from '../../report/gpu-summary.js';
import { render } from '../../report/view.js';
import { lookOf, maxGapOption, requireMaxGap, requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';
import { gpuSummaryOf } from '../month-inputs.js';

interface GpuFlags {
  month: string;
  maxGap: string;
  rateCard?: string;
  format: string;
}

/** `chargeback gpu summary --month M`: per host and GPU, hours observed, owned and busy, and owners. */
export function registerGpu(program: Command, io: Io): void {
  const gpu = program.command('gpu').description('look at ingested GPU telemetry');
  withExamples(gpu, ['chargeback gpu summary -m 2026-10', 'chargeback gpu summary -m 2026-10 -r ratecard.yaml']);
  const command = gpu
    .command('summary')
    .description('per host and GPU: hours observed, hours owned, busy hours and owners for the month')
    .addOption(monthOption())
    .addOption(maxGapOption())
    .addOption(rateCardOption('also count hours its cost centres own by host or namespace (and use its zone)', false))
    .addOption(formatOption(GPU_SUMMARY_VIEW))
    .action((flags: GpuFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const maxGapMs = requireMaxGap(flags.maxGap);
      const card = flags.rateCard ? readRateCard(flags.rateCard).card : null;
      const range = monthRange(month, card?.timezone ?? 'UTC');
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const rows = gpuSummaryOf(ledger, range, maxGapMs, card);
      ledger.close();
      io.stdout(render(GPU_SUMMARY_VIEW, flags.format, { month: month.label, rows }, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback gpu summary -m 2026-10',
    'chargeback gpu summary -m 2026-10 -r ratecard.yaml --max-gap 120',
    'chargeback gpu summary -m 2026-10 -f csv > gpus-2026-10.csv',
  ]);
}
