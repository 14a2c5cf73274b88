import type { Command } from 'commander';
import { budgetReports } from '../../domain/budgets.js';
import { ProblemFound, UsageError } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { periodOf } from '../../domain/month.js';
import { readRateCard } from '../../ratecard/load.js';
import { BUDGETS_VIEW } from '../../report/budgets.js';
import { render } from '../../report/view.js';
import { lookOf, maxGapOption, requireMaxGap, requireMonth, speaker, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';
import { monthToDate, requireAsOf } from '../month-to-date.js';

interface BudgetFlags {
  month: string;
  rateCard: string;
  asOf?: string;
  maxGap: string;
  format: string;
}

/**
 * `chargeback budgets --month M --rate-card FILE`: month-to-date spend priced now, a month-end
 * forecast, percent used and status per budget. Exit 1 when a hard budget is exceeded, so a
 * cron job alerts; alerts alone exit 0.
 */
export function registerBudgets(program: Command, io: Io): void {
  const command = program
    .command('budgets')
    .description("month-to-date spend and month-end forecast against the card's budgets")
    .addOption(monthOption())
    .addOption(rateCardOption('the rate card YAML (prices the month and holds the budgets)'))
    .option('--as-of <date|time>', "count usage before this instant and forecast from it (a date is its midnight in the card's zone; default now)")
    .addOption(maxGapOption())
    .addOption(formatOption(BUDGETS_VIEW))
    .action((flags: BudgetFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const { card } = readRateCard(flags.rateCard);
      if (card.budgets.length === 0) throw new UsageError(`${flags.rateCard}: the card has no budgets`);
      const { range } = periodOf(month, card.timezone);
      const asOf = requireAsOf(flags.asOf, io.now().getTime(), month.label, range, card.timezone);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const maxGapMs = requireMaxGap(flags.maxGap);
      let sofar;
      try {
        sofar = monthToDate(ledger, card, month, asOf, maxGapMs);
      } finally {
        ledger.close();
      }
      const { statement, anomalies } = sofar;
      if (sofar.note) speaker(command, io).warn(sofar.note);
      const reports = budgetReports(card.budgets, statement.lines, range, asOf);
      io.stdout(render(BUDGETS_VIEW, flags.format, { month: month.label, currency: card.currency, reports }, lookOf(command, io)));
      for (const anomaly of anomalies) speaker(command, io).warn(`warning: ${anomaly}`);
      const broken = reports.filter((r) => r.hard && r.status === 'exceeded');
      if (broken.length > 0) {
        throw new ProblemFound(`hard budget exceeded: ${broken.map((r) => `${r.costCentre} spent ${formatAmount(r.spend)} of ${formatAmount(r.monthly)}`).join('; ')}`);
      }
    });
  withExamples(command, [
    'chargeback budgets -m 2026-10 -r ratecard.yaml',
    'chargeback budgets -m 2026-10 -r ratecard.yaml --as-of 2026-10-15 -f json',
    'chargeback -q budgets -m "$(date +%Y-%m)" -r ratecard.yaml || alert-on-call',
  ]);
}
