import type { Command } from 'commander';
import Table from 'cli-table3';
import { adjustmentsAgainst } from '../../domain/adjustments.js';
import { formatAmount, sum } from '../../domain/money.js';
import { periodOf } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { COMPACT } from '../../report/showback.js';
import { maxGapOption, requireMaxGap, requireMonth, requireRun, useLedger, type GlobalOptions, type Io } from '../context.js';
import { priceMonth, readMonthUsage } from '../month-inputs.js';
import { inSnapshot } from '../../ledger/open.js';

/**
 * `chargeback diff --month M --rate-card NEW`: what another card would charge each centre
 * against the month's latest run, without storing a run (a what-if).
 */
export function registerDiff(program: Command, io: Io): void {
  program
    .command('diff')
    .description("what a different rate card would charge each cost centre, against the month's latest run; stores nothing")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .requiredOption('--rate-card <file>', 'the rate card to try')
    .addOption(maxGapOption())
    .action((flags: { month: string; rateCard: string; maxGap: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const { card } = readRateCard(flags.rateCard);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month);
      const period = periodOf(month, card.timezone);
      const maxGapMs = requireMaxGap(flags.maxGap);
      const what = inSnapshot(ledger, () => priceMonth(ledger, card, period, readMonthUsage(ledger, card, period.range), maxGapMs));
      ledger.close();
      const centres = [...new Set([...run.lines, ...what.lines].map((l) => l.costCentre))].sort();
      const total = (lines: typeof run.lines, id: string) => sum(lines.filter((l) => l.costCentre === id).map((l) => l.amount));
      const changes = new Map(adjustmentsAgainst(run.lines, what.lines).map((a) => [a.costCentre, a.amount]));
      const table = new Table({ head: ['cost centre', `run ${run.id}`, flags.rateCard, 'change'], colAligns: ['left', 'right', 'right', 'right'], style: { head: [], border: [] }, chars: COMPACT });
      for (const id of centres) {
        const change = changes.get(id);
        table.push([id, formatAmount(total(run.lines, id)), formatAmount(total(what.lines, id)), change ? `${change.isNegative() ? '' : '+'}${formatAmount(change)}` : '0.00']);
      }
      io.stdout(`What-if ${month.label}: ${flags.rateCard} against run ${run.id} (nothing stored)\n${table.toString()}\n`);
    });
}
