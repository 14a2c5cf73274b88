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
import { cardDelivery, describeAlert, notifyBudgets } from '../notify.js';

interface BudgetFlags {
  month: string;
  rateCard: string;
  asOf?: string;
  maxGap: string;
  format: string;
  notify?: boolean;
}

/**
 * `chargeback budgets --month M --rate-card FILE`: month-to-date spend priced now, a month-end
 * forecast, percent used and status per budget. Exit 1 when a hard budget is exceeded, so a
 * cron job alerts; alerts alone exit 0. `--notify` sends each threshold crossed once per
 * budget and month (issue 35); an alert not delivered is retried next run, and exits 1.
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
    .option('--notify', "send each threshold newly crossed (alert_at) and a forecast over budget to the card's notify: target, once per budget and month")
    .action(async (flags: BudgetFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const { card } = readRateCard(flags.rateCard);
      if (card.budgets.length === 0) throw new UsageError(`${flags.rateCard}: the card has no budgets`);
      const { range } = periodOf(month, card.timezone);
      const asOf = requireAsOf(flags.asOf, io.now().getTime(), month.label, range, card.timezone);
      const delivery = flags.notify ? cardDelivery(card, flags.rateCard, io.env) : null;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const maxGapMs = requireMaxGap(flags.maxGap);
      const say = speaker(command, io);
      const problems: string[] = [];
      try {
        const { statement, anomalies, note } = monthToDate(ledger, card, month, asOf, maxGapMs);
        if (note) say.warn(note);
        const reports = budgetReports(card.budgets, statement.lines, range, asOf);
        io.stdout(render(BUDGETS_VIEW, flags.format, { month: month.label, currency: card.currency, reports }, lookOf(command, io)));
        for (const anomaly of anomalies) say.warn(`warning: ${anomaly}`);
        const broken = reports.filter((r) => r.hard && r.status === 'exceeded');
        if (broken.length > 0) problems.push(`hard budget exceeded: ${broken.map((r) => `${r.costCentre} spent ${formatAmount(r.spend)} of ${formatAmount(r.monthly)}`).join('; ')}`);
        if (delivery) {
          const { target } = delivery;
          const { sent, failed } = await notifyBudgets(ledger, card, delivery, month.label, reports, asOf, io.now);
          for (const alert of sent) say.warn(`sent: ${describeAlert(alert)} (${target})`);
          for (const { alert, why } of failed) say.warn(`warning: not sent, retried on the next run: ${describeAlert(alert)}: ${target} ${why}`);
          if (failed.length > 0) problems.push(`${failed.length} budget alert${failed.length === 1 ? '' : 's'} not delivered to ${target}`);
        }
      } finally {
        ledger.close();
      }
      if (problems.length > 0) throw new ProblemFound(problems.join('; '));
    });
  withExamples(command, [
    'chargeback budgets -m 2026-10 -r ratecard.yaml',
    'chargeback budgets -m 2026-10 -r ratecard.yaml --as-of 2026-10-15 -f json',
    'chargeback -q budgets -m "$(date +%Y-%m)" -r ratecard.yaml --notify || alert-on-call',
  ]);
}
