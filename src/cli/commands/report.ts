import type { Command } from 'commander';
import { periodOf } from '../../domain/month.js';
import { showbackReport } from '../../domain/showback.js';
import { findRun, listRuns, type StoredRun } from '../../ledger/runs.js';
import type { Ledger } from '../../ledger/open.js';
import { usageBehind } from '../books-source.js';
import { cardOfRun, centresOf, requireMonth, requireRun, speaker, tagOf, useLedger, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { monthOption, outputOption, rateCardOption, withExamples } from '../options.js';
import { booksOfMonths, midMonthRun, trendMonths } from '../trend-inputs.js';
import { monthBooks, trendOf, withShownUsage } from '../../domain/trend.js';
import { forecastOf } from '../../domain/budgets.js';
import { toolVersion } from '../version.js';

/** How many users or keys a centre lists (its page shows 5; unmatched usage 10): the rest of them need not stay in memory. */
const TOP_USERS = 10;

/**
 * `chargeback report --month M --output showback.html`: the month's books as one
 * self-contained HTML page: headline tiles, cost by centre, daily spend, unit economics,
 * GPU hours, each centre explained on its own page, and where every figure came from.
 */
export function registerReport(program: Command, io: Io): void {
  const command = program
    .command('report')
    .description('write the showback report: one self-contained HTML file with charts, tables and every centre explained')
    .addOption(monthOption())
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .option('--cost-centre <id>', 'only this cost centre')
    .option('--months <n>', 'how many months the trend shows, ending at --month (gaps where a month has no books)', '12')
    .option('--by <tag.NAME>', "also price requests by this tag's values, e.g. tag.feature: the cost per request of each feature")
    .addOption(rateCardOption("the run's rate card, for runs stored before runs kept its text", false))
    .addOption(outputOption())
    .action(async (flags: { month: string; run?: string; costCentre?: string; by?: string; months: string; rateCard?: string; output?: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const tagName = tagOf(flags.by);
      const months = trendMonths(flags.months);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month, flags.run);
      const card = cardOfRun(run, flags.rateCard);
      const centres = centresOf(run, flags.costCentre);
      const period = periodOf(month, card.timezone);
      const only = flags.costCentre ?? null;
      // The trend's months, and at least last month: its books as adjusted, the latest run (issue 28).
      const books = booksOfMonths(ledger, { run, card, month }, Math.max(months, 2), only, tagName);
      const mid = midMonthRun(ledger, run, period.range);
      const later = laterRunsOf(ledger, run);
      const { note, ...read } = usageBehind(ledger, run, card, period, centres, { tagName, forReport: TOP_USERS });
      if (note) speaker(command, io).warn(note);
      const report = showbackReport({ run, centres, budgets: card.budgets, range: period.range, closed: run.standing.kind !== 'open', tagName,
        previous: books.at(-2)!.run, previousBooks: monthBooks(books.at(-2), only), later, note, variance: card.variances, ...read,
        midMonth: mid && { lines: mid.lines, forecast: (lines) => forecastOf(lines, period.range, Date.parse(mid.createdAt)) } });
      const trend = trendOf(withShownUsage(books, read.usage, tagName), months, only);
      // Loaded here, not with the CLI: the chart library (vega) is a fifth of a second that every other command would pay at start.
      const { showbackAsHtml } = await import('../../report/showback-html.js');
      writeOutput(io, flags.output, await showbackAsHtml({ report, trend, toolVersion: toolVersion(), unallocated: run.unallocated, pools: card.pools.map((p) => p.id) }));
    });
  withExamples(command, [
    'chargeback report -m 2026-10 -o showback-2026-10.html',
    'chargeback report -m 2026-10 --by tag.feature --months 6 -o showback-2026-10.html',
    'chargeback report -m 2026-10 --cost-centre CC-4100 -o cc-4100-2026-10.html',
  ]);
}

/** The runs after `run` in its month that adjust closed books: what the report shows as adjustments. */
function laterRunsOf(ledger: Ledger, run: StoredRun): StoredRun[] {
  if (run.standing.kind === 'open') return [];
  return listRuns(ledger, run.month).filter((r) => r.id > run.id).map((r) => findRun(ledger, run.month, r.id)!);
}
