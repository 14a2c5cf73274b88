import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { journalOf } from '../../domain/journal.js';
import { journalAsCsv, journalAsJson } from '../../report/journal.js';
import { requireMonth, requireRun, useLedger, type GlobalOptions, type Io } from '../context.js';

interface ExportFlags {
  month: string;
  run?: string;
  format: 'csv' | 'json';
  output?: string;
}

/** `chargeback export erp --month M`: the latest run (or --run) as a balanced ERP journal. */
export function registerExport(program: Command, io: Io): void {
  const exporter = program.command('export').description('export a statement run for other systems');
  exporter
    .command('erp')
    .description('a balanced journal: a debit per charged cost centre and pool, a credit per pool to the platform')
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--run <id>', 'a specific run instead of the latest')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--output <file>', 'write to a file instead of standard output')
    .action((flags: ExportFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io, false);
      const run = requireRun(ledger, month, flags.run);
      ledger.close();
      if (!run.platform) {
        throw new UsageError(`run ${run.id}'s rate card has no "platform: { cost_centre, gl_account }": the journal credits it`);
      }
      const journal = journalOf(run.month, run.id, run.lines, run.platform);
      const text = flags.format === 'json' ? journalAsJson(journal, run.currency) : journalAsCsv(journal, run.currency);
      if (flags.output) writeFileSync(flags.output, text);
      else io.stdout(text);
    });
}
