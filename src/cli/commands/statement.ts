import { Option, type Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { latestAdjustmentRun } from '../../ledger/runs.js';
import { statementAsTable } from '../../report/showback.js';
import { statementAsCsv, statementAsFocus, statementAsJson, type StatementView } from '../../report/statement.js';
import { requireMonth, requireRun, useLedger, wantsColour, writeOutput, type GlobalOptions, type Io } from '../context.js';

interface StatementFlags {
  month: string;
  costCentre?: string;
  format: 'table' | 'csv' | 'json' | 'focus';
  output?: string;
  run?: string;
}

const RENDERERS: Record<StatementFlags['format'], (view: StatementView, colour: boolean, unallocated: string) => string> = {
  table: (view, colour, unallocated) => statementAsTable(view, { colour, unallocated }),
  csv: (view) => statementAsCsv(view),
  json: (view) => statementAsJson(view),
  focus: (view) => statementAsFocus(view),
};

/** `chargeback statement --month M`: the books' lines (the closed run, else the latest; or --run ID). */
export function registerStatement(program: Command, io: Io): void {
  program
    .command('statement')
    .description("print a month's statement lines: its closed run once closed, else its latest run")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--cost-centre <id>', 'only this cost centre')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'csv', 'json', 'focus']).default('table'))
    .option('--output <file>', 'write to a file instead of standard output')
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .action((flags: StatementFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month, flags.run);
      const adjusted = flags.run === undefined && run.standing.kind === 'closes' ? latestAdjustmentRun(ledger, month.label) : null;
      ledger.close();
      // The books stay the closed run; say so when later runs adjust it, so nobody misses them.
      if (adjusted !== null) io.stderr(`note: ${month.label} is closed: this is run ${run.id}, the books; run ${adjusted} adjusts them (statement --run ${adjusted}, export erp --adjustments)\n`);
      const lines = flags.costCentre ? run.lines.filter((l) => l.costCentre === flags.costCentre) : run.lines;
      if (flags.costCentre && lines.length === 0) {
        throw new UsageError(`cost centre ${flags.costCentre} has no lines in run ${run.id} for ${month.label}`);
      }
      const audit = { rateCardSha256: run.rateCardSha256, batchIds: run.batchIds, createdAt: run.createdAt, poolCosts: run.poolCosts };
      const view = { runId: run.id, month: run.month, currency: run.currency, lines, audit };
      const text = RENDERERS[flags.format](view, flags.output === undefined && wantsColour(io), run.unallocated);
      writeOutput(io, flags.output, text);
    });
}
