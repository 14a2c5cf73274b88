import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { latestAdjustmentRun } from '../../ledger/runs.js';
import { STATEMENT_VIEW } from '../../report/statement.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, requireRun, speaker, useLedger, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, outputOption, withExamples } from '../options.js';

interface StatementFlags {
  month: string;
  costCentre?: string;
  format: string;
  output?: string;
  run?: string;
}

/** `chargeback statement --month M`: the books' lines (the closed run, else the latest; or --run ID). */
export function registerStatement(program: Command, io: Io): void {
  const command = program
    .command('statement')
    .description("print a month's statement lines: its closed run once closed, else its latest run")
    .addOption(monthOption())
    .option('--cost-centre <id>', 'only this cost centre')
    .addOption(formatOption(STATEMENT_VIEW))
    .addOption(outputOption())
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .action((flags: StatementFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month, flags.run);
      const adjusted = flags.run === undefined && run.standing.kind === 'closes' ? latestAdjustmentRun(ledger, month.label) : null;
      ledger.close();
      // The books stay the closed run; say so when later runs adjust it, so nobody misses them.
      if (adjusted !== null) speaker(command, io).warn(`note: ${month.label} is closed: this is run ${run.id}, the books; run ${adjusted} adjusts them (statement --run ${adjusted}, export erp --adjustments)`);
      const lines = flags.costCentre ? run.lines.filter((l) => l.costCentre === flags.costCentre) : run.lines;
      if (flags.costCentre && lines.length === 0) {
        throw new UsageError(`cost centre ${flags.costCentre} has no lines in run ${run.id} for ${month.label}`);
      }
      const audit = { rateCardSha256: run.rateCardSha256, batchIds: run.batchIds, createdAt: run.createdAt, poolCosts: run.poolCosts };
      const view = { runId: run.id, month: run.month, currency: run.currency, unallocated: run.unallocated, lines, audit };
      writeOutput(io, flags.output, render(STATEMENT_VIEW, flags.format, view, lookOf(command, io, flags.output !== undefined)));
    });
  withExamples(command, [
    'chargeback statement -m 2026-10',
    'chargeback statement -m 2026-10 -f csv -o statement-2026-10.csv',
    'chargeback statement -m 2026-10 --cost-centre CC-1001 -f json',
  ]);
}
