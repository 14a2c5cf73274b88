import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { closedMonths, listRuns } from '../../ledger/runs.js';
import { listExports, postingStatuses } from '../../ledger/exports.js';
import { RUNS_VIEW } from '../../report/runs.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, withExamples } from '../options.js';
import { verifyRun } from '../verify-run.js';

interface RunsFlags {
  month?: string;
  verify?: string;
  format: string;
}

/**
 * `chargeback runs [--month M]`: every month with its runs (or one month's), oldest first,
 * which run is the books and whether the month is closed. `--verify RUN` recomputes a run
 * from the batches it read and its stored card, and proves it byte-identical (exit 1 on the
 * first difference).
 */
export function registerRuns(program: Command, io: Io): void {
  const command = program
    .command('runs')
    .description('every month with its runs: id, card SHA-256, version, total, which run closed the month and which adjust it; --verify RUN recomputes one')
    .addOption(monthOption('only this month', false))
    .option('--verify <run>', 'recompute this run from the batches it read and its stored card; exit 1 unless byte-identical')
    .addOption(formatOption(RUNS_VIEW))
    .action(async (flags: RunsFlags, command: Command) => {
      const month = flags.month === undefined ? null : requireMonth(flags.month).label;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      if (flags.verify !== undefined) {
        const runId = Number(flags.verify);
        if (!Number.isSafeInteger(runId)) throw new UsageError(`--verify: expected a run id, got "${flags.verify}"`);
        return verifyRun(ledger, runId, io, flags.format, lookOf(command, io));
      }
      const view = { month, runs: listRuns(ledger, month), closed: closedMonths(ledger), exports: listExports(ledger, month), postings: postingStatuses(ledger) };
      ledger.close();
      io.stdout(render(RUNS_VIEW, flags.format, view, lookOf(command, io)));
    });
  withExamples(command, ['chargeback runs', 'chargeback runs -m 2026-10 -f json', 'chargeback runs --verify 12']);
}
