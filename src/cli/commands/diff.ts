import type { Command } from 'commander';
import { diffByCentre } from '../../domain/diff.js';
import { periodOf } from '../../domain/month.js';
import { inSnapshot } from '../../ledger/open.js';
import { readRateCard } from '../../ratecard/load.js';
import { DIFF_VIEW } from '../../report/diff.js';
import { render } from '../../report/view.js';
import { lookOf, maxGapOption, requireMaxGap, requireMonth, requireRun, useLedger, type GlobalOptions, type Io } from '../context.js';
import { priceMonth, readMonthUsage } from '../month-inputs.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';

/**
 * `chargeback diff --month M --rate-card NEW`: what another card would charge each centre
 * against the month's books, and in total, without storing a run (a what-if).
 */
export function registerDiff(program: Command, io: Io): void {
  const command = program
    .command('diff')
    .description("what a different rate card would charge each cost centre, against the month's books; stores nothing")
    .addOption(monthOption())
    .addOption(rateCardOption('the rate card to try'))
    .addOption(maxGapOption())
    .addOption(formatOption(DIFF_VIEW))
    .action((flags: { month: string; rateCard: string; maxGap: string; format: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const maxGapMs = requireMaxGap(flags.maxGap);
      const { card } = readRateCard(flags.rateCard);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month);
      const period = periodOf(month, card.timezone);
      const whatIf = inSnapshot(ledger, () => priceMonth(ledger, card, period, readMonthUsage(ledger, card, period.range), maxGapMs));
      ledger.close();
      const view = { month: month.label, runId: run.id, rateCard: flags.rateCard, currency: run.currency, diff: diffByCentre(run.lines, whatIf.lines) };
      io.stdout(render(DIFF_VIEW, flags.format, view, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback diff -m 2026-10 -r ratecard-2027.yaml',
    'chargeback diff -m 2026-10 -r ratecard-2027.yaml -f json',
  ]);
}
