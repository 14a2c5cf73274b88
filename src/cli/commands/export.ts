import type { Command } from 'commander';
import { adjustmentLines } from '../../domain/adjustments.js';
import { UsageError } from '../../domain/errors.js';
import { journalOf, lastDayOf, type JournalDocument, type JournalEntry } from '../../domain/journal.js';
import type { Month } from '../../domain/month.js';
import { findRun, latestAdjustmentRun, type StoredRun } from '../../ledger/runs.js';
import type { Ledger } from '../../ledger/open.js';
import { JOURNAL_VIEW } from '../../report/journal.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, requireRun, speaker, useLedger, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, outputOption, withExamples } from '../options.js';

interface ExportFlags {
  month: string;
  run?: string;
  adjustments?: boolean;
  period?: string;
  format: string;
  output?: string;
}

/**
 * `chargeback export erp --month M`: the month's books as a balanced ERP journal, posted once.
 * In a closed month that is the closed run; a run that adjusts it (`--adjustments`, or
 * `--run` of such a run) posts only its differences to the books before it (SPEC §5).
 */
export function registerExport(program: Command, io: Io): void {
  const exporter = program.command('export').description('export a statement run for other systems');
  withExamples(exporter, ['chargeback export erp -m 2026-10 -o journal-2026-10.csv', 'chargeback export erp -m 2026-10 --adjustments -o adjustments.csv']);
  const command = exporter
    .command('erp')
    .description("a balanced journal of the month's books: a debit per charged cost centre and pool, a credit per pool to the platform")
    .addOption(monthOption())
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .option('--adjustments', 'the latest run that adjusts the closed month: only its differences')
    .option('--period <YYYY-MM>', 'post in this period (default: the month; for adjustments, the month the run was computed in)')
    .addOption(formatOption(JOURNAL_VIEW, 'csv'))
    .addOption(outputOption())
    .action((flags: ExportFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const period = flags.period === undefined ? undefined : requireMonth(flags.period, '--period').label;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = flags.adjustments && flags.run === undefined ? latestAdjustment(ledger, month) : requireRun(ledger, month, flags.run);
      const { heading, entries } = postingOf(ledger, run, period, flags.adjustments ?? false);
      ledger.close();
      if (!run.platform) {
        throw new UsageError(`run ${run.id}'s rate card has no "platform: { cost_centre, gl_account }": the journal credits it`);
      }
      const journal = journalOf(heading, entries, run.platform);
      if (journal.length === 0) speaker(command, io).warn(`warning: run ${run.id} changes nothing in the books: the journal has no lines`);
      writeOutput(io, flags.output, render(JOURNAL_VIEW, flags.format, { lines: journal, currency: run.currency }, lookOf(command, io, flags.output !== undefined)));
    });
  withExamples(command, [
    'chargeback export erp -m 2026-10 -o journal-2026-10.csv',
    'chargeback export erp -m 2026-10 --adjustments --period 2026-11 -o adjustments.csv',
    'chargeback export erp -m 2026-10 -f json',
  ]);
}

function latestAdjustment(ledger: Ledger, month: Month): StoredRun {
  const id = latestAdjustmentRun(ledger, month.label);
  if (id === null) throw new UsageError(`${month.label} has no run that adjusts closed books: --adjustments needs a month closed and computed again`);
  return findRun(ledger, month.label, id)!;
}

/** What a run posts: its whole statement, or, for a run that adjusts closed books, the differences. */
function postingOf(ledger: Ledger, run: StoredRun, period: string | undefined, wantsAdjustments: boolean): { heading: JournalDocument; entries: readonly JournalEntry[] } {
  const { standing } = run;
  if (standing.kind !== 'adjusts') {
    if (wantsAdjustments) throw new UsageError(`run ${run.id} does not adjust closed books (${standing.kind === 'closes' ? 'it closed the month' : 'the month is open'}): drop --adjustments`);
    return { heading: { document: `chargeback-run-${run.id}`, month: run.month, postingDate: lastDayOf(period ?? run.month) }, entries: run.lines };
  }
  const books = findRun(ledger, run.month, standing.booksRunId)!;
  const method = `adjustment to run ${books.id}`;
  return {
    heading: { document: `chargeback-run-${run.id}-adjusts-${books.id}`, month: run.month, postingDate: lastDayOf(period ?? run.createdAt.slice(0, 7)) },
    entries: adjustmentLines(books.lines, run.lines).map((a) => ({ ...a, method })),
  };
}
