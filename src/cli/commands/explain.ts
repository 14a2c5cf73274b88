import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { explainCentre } from '../../domain/explain.js';
import { formatAmount } from '../../domain/money.js';
import { periodOf, type Month } from '../../domain/month.js';
import type { StoredRun } from '../../domain/run.js';
import { unitCostsByTag, type CentreUsage } from '../../domain/showback.js';
import { EXPLAIN_VIEW } from '../../report/explain.js';
import { UNIT_COSTS_VIEW } from '../../report/unit-costs.js';
import { render } from '../../report/view.js';
import { cardOfRun, centresOf, lookOf, requireMonth, requireRun, speaker, tagOf, useLedger, type GlobalOptions, type Io } from '../context.js';
import { usageBehind } from '../books-source.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';

interface ExplainFlags {
  month: string;
  costCentre?: string;
  by?: string;
  rateCard?: string;
  run?: string;
  format: string;
  exact?: boolean;
}

/**
 * `chargeback explain --month M --cost-centre ID`: for each of the centre's lines in the
 * month's books, the pool's cost and how it was derived, the centre's driver quantity and
 * share of the pool, the amount term by term, and the top models, users or keys and days.
 * `--by tag.NAME` instead prices requests by the tag's values, for one centre or all.
 */
export function registerExplain(program: Command, io: Io): void {
  const command = program
    .command('explain')
    .description("why a cost centre's bill is what it is: pool costs, drivers, shares, models, users and days; or --by tag.NAME: cost per request by a tag's values")
    .addOption(monthOption())
    .option('--cost-centre <id>', 'the cost centre (optional with --by: every centre)')
    .option('--by <tag.NAME>', "unit economics by this tag's values: cost per request and per 1M tokens, e.g. tag.feature")
    .addOption(rateCardOption("the run's rate card, for runs stored before runs kept its text (its SHA-256 must match the run's)", false))
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .option('--exact', 'every decimal the run keeps: unit prices and terms in full, not rounded for reading')
    .addOption(formatOption(UNIT_COSTS_VIEW))
    .action((flags: ExplainFlags, command: Command) => {
      const month = requireMonth(flags.month);
      const tagName = tagOf(flags.by);
      if (tagName === null && flags.costCentre === undefined) throw new UsageError('--cost-centre: say which centre to explain (or --by tag.NAME for every centre)');
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month, flags.run);
      const centres = centresOf(run, flags.costCentre);
      const card = cardOfRun(run, flags.rateCard);
      const period = periodOf(month, card.timezone);
      const { usage, note } = usageBehind(ledger, run, card, period, centres, { tagName });
      if (note) speaker(command, io).warn(note);
      const look = lookOf(command, io);
      if (tagName !== null) return io.stdout(render(UNIT_COSTS_VIEW, flags.format, unitView(month, run, tagName, flags.costCentre ?? null, centres, usage), look));
      const explanation = explainCentre(run, centres[0]!, usage.get(centres[0]!)!.breakdownOf)!;
      io.stdout(render(EXPLAIN_VIEW, flags.format, { month: month.label, runId: run.id, currency: run.currency, explanation, service: usage.get(centres[0]!)!.service, exact: flags.exact ?? false }, look));
    });
  withExamples(command, [
    'chargeback explain -m 2026-10 --cost-centre CC-1001',
    'chargeback explain -m 2026-10 --cost-centre CC-1001 -f json',
    'chargeback explain -m 2026-10 --by tag.feature -f csv',
  ]);
}

/** Unit costs by the tag's values over the centres' lines, as the view shows them. */
function unitView(month: Month, run: StoredRun, tag: string, costCentre: string | null, centres: readonly string[], usage: ReadonlyMap<string, CentreUsage>) {
  const { rows, unattributed } = unitCostsByTag(run.lines, centres, usage, tag);
  return { month: month.label, runId: run.id, currency: run.currency, tag, costCentre, rows, unattributed: formatAmount(unattributed) };
}
