import type { Command } from 'commander';
import { budgetReports } from '../../domain/budgets.js';
import { monthToDateMetrics } from '../../domain/metrics.js';
import { monthAt, periodOf } from '../../domain/month.js';
import { lastIngests } from '../../ledger/batches.js';
import { readRateCard } from '../../ratecard/load.js';
import { asPrometheusText } from '../../report/prometheus.js';
import { maxGapOption, requireMaxGap, requireMonth, speaker, useLedger, writeOutput, type GlobalOptions, type Io } from '../context.js';
import { monthToDate, requireAsOf } from '../month-to-date.js';
import { monthOption, outputOption, rateCardOption, withExamples } from '../options.js';

interface MetricsFlags {
  month?: string;
  rateCard: string;
  asOf?: string;
  maxGap: string;
  output?: string;
}

/**
 * `chargeback metrics -r FILE [-o FILE]` (issue 35): the month so far as Prometheus metrics,
 * priced as `budgets` prices it, for node_exporter's textfile collector (written whole, then
 * renamed into place, so a scrape never reads half a file) or any scraper of stdout.
 */
export function registerMetrics(program: Command, io: Io): void {
  const command = program
    .command('metrics')
    .description('month-to-date spend, usage, budgets and last ingests in the Prometheus text format')
    .addOption(monthOption("the month (default: this month in the card's zone)", false))
    .addOption(rateCardOption('the rate card YAML (prices the month and holds the budgets)'))
    .option('--as-of <date|time>', "count usage before this instant (a date is its midnight in the card's zone; default now)")
    .addOption(maxGapOption())
    .addOption(outputOption())
    .action((flags: MetricsFlags, command: Command) => {
      const { card } = readRateCard(flags.rateCard);
      const now = io.now().getTime();
      const month = flags.month === undefined ? monthAt(now, card.timezone) : requireMonth(flags.month);
      const asOf = requireAsOf(flags.asOf, now, month.label, periodOf(month, card.timezone).range, card.timezone);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const maxGapMs = requireMaxGap(flags.maxGap);
      try {
        const sofar = monthToDate(ledger, card, month, asOf, maxGapMs, true);
        if (sofar.note) speaker(command, io).warn(sofar.note);
        const budgets = budgetReports(card.budgets, sofar.statement.lines, sofar.period.range, asOf);
        const families = monthToDateMetrics({ month: month.label, currency: card.currency, lines: sofar.statement.lines,
          ...(sofar.statement.views ? { views: sofar.statement.views } : {}), budgets, lastIngests: lastIngests(ledger), asOf });
        writeOutput(io, flags.output, asPrometheusText(families));
      } finally {
        ledger.close();
      }
    });
  withExamples(command, [
    'chargeback metrics -r ratecard.yaml',
    'chargeback metrics -r ratecard.yaml -o /var/lib/node_exporter/textfile/chargeback.prom',
    'chargeback metrics -m 2026-10 -r ratecard.yaml --as-of 2026-10-15',
  ]);
}
