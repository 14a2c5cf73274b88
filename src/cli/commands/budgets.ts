import type { Command } from 'commander';
import { budgetReports } from '../../domain/budgets.js';
import { ProblemFound, UsageError } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { periodOf, type MonthRange } from '../../domain/month.js';
import { parseTimestamp } from '../../ingest/values.js';
import { readRateCard } from '../../ratecard/load.js';
import { BUDGETS_VIEW } from '../../report/budgets.js';
import { render } from '../../report/view.js';
import { lookOf, maxGapOption, requireMaxGap, requireMonth, speaker, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';
import { anomaliesOf, priceMonth, readMonthUsage } from '../month-inputs.js';
import { inSnapshot } from '../../ledger/open.js';
import { closedMonth, findRun } from '../../ledger/runs.js';
import { booksSource, readingBooks } from '../books-source.js';

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
      const period = periodOf(month, card.timezone);
      const { range } = period;
      const asOf = requireAsOf(flags.asOf, io.now().getTime(), month.label, range, card.timezone);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const maxGapMs = requireMaxGap(flags.maxGap);
      // A closed month is judged on its books: the batches its closed run read (issue 28).
      const closed = closedMonth(ledger, month.label);
      const books = closed ? booksSource(ledger, findRun(ledger, month.label, closed.runId)!, period) : { ledger, note: null, done: () => undefined };
      const { statement, anomalies } = readingBooks(books, ledger, (source) => inSnapshot(source, () => {
        const usage = readMonthUsage(source, card, { startMs: range.startMs, endMs: asOf });
        const priced = priceMonth(source, card, period, usage, maxGapMs);
        return { statement: priced, anomalies: anomaliesOf(card, month.label, usage, priced) };
      }));
      if (books.note) speaker(command, io).warn(books.note);
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

/**
 * The instant budgets are judged at: --as-of (a date is its midnight in the card's zone), or
 * now, which for a month already over is its end. Outside the month it is a UsageError: spend
 * "as of" a time the month does not contain has no meaning.
 */
function requireAsOf(text: string | undefined, now: number, month: string, range: MonthRange, zone: string): number {
  const asOf = text === undefined ? Math.min(now, range.endMs) : parseTimestamp(/^\d{4}-\d{2}-\d{2}$/.test(text) ? `${text}T00:00` : text, zone);
  if (asOf === null) throw new UsageError(`--as-of: expected a date or a time such as 2026-10-15 or 2026-10-15T12:00:00Z, got "${text}"`);
  if (asOf <= range.startMs || asOf > range.endMs) {
    const span = `${new Date(range.startMs).toISOString()} to ${new Date(range.endMs).toISOString()}`;
    throw new UsageError(`${text === undefined ? `now (${new Date(now).toISOString()})` : `--as-of ${text}`} is not within ${month} (${span}, the card's zone ${zone}): ` +
      'budgets are judged after the month starts and by its end');
  }
  return asOf;
}
