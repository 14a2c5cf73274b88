import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { explainCentre, explainLines } from '../../domain/explain.js';
import { ownerOf } from '../../domain/match.js';
import { monthRange } from '../../domain/month.js';
import type { GroupShape } from '../../domain/types.js';
import { inSnapshot } from '../../ledger/open.js';
import { readRateCard } from '../../ratecard/load.js';
import { EXPLAIN_VIEW } from '../../report/explain.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, requireRun, useLedger, type GlobalOptions, type Io } from '../context.js';
import { readMonthUsage } from '../month-inputs.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';

/**
 * `chargeback explain --month M --cost-centre ID`: for each of the centre's lines in the
 * month's books, the pool's cost and how it was derived, the centre's driver quantity and
 * share of the pool, the amount term by term, and the top models, users or keys and days.
 */
export function registerExplain(program: Command, io: Io): void {
  const command = program
    .command('explain')
    .description("why a cost centre's bill is what it is: pool costs, drivers, shares, models, users and days")
    .addOption(monthOption())
    .requiredOption('--cost-centre <id>', 'the cost centre')
    .addOption(rateCardOption("the run's rate card, if it has moved (its SHA-256 must match the run's)", false))
    .option('--run <id>', 'a specific run instead of the books (the closed run, else the latest)')
    .addOption(formatOption(EXPLAIN_VIEW))
    .action((flags: { month: string; costCentre: string; rateCard?: string; run?: string; format: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month, flags.run);
      if (!run.lines.some((l) => l.costCentre === flags.costCentre)) throw new UsageError(`cost centre ${flags.costCentre} has no lines in run ${run.id} for ${month.label}`);
      const { card, sha256, file } = readRateCard(flags.rateCard ?? run.rateCardFile);
      if (sha256 !== run.rateCardSha256) throw new UsageError(`${file} is not the rate card run ${run.id} used (SHA-256 differs): pass the card it used with --rate-card`);
      const owned = (shape: GroupShape) => ownerOf(shape, card).id === flags.costCentre;
      const pools = card.pools.filter((pool) => run.lines.some((line) => line.costCentre === flags.costCentre && line.pool === pool.id && line.method !== 'idle'));
      const breakdowns = inSnapshot(ledger, () => {
        const { classified } = readMonthUsage(ledger, card, monthRange(month, card.timezone), 0);
        return explainLines(card, pools, flags.costCentre, classified.days(owned), classified.identities(owned));
      });
      ledger.close();
      const explanation = explainCentre(run, flags.costCentre, (line) => breakdowns.get(pools.find((p) => p.id === line.pool)!) ?? null)!;
      io.stdout(render(EXPLAIN_VIEW, flags.format, { month: month.label, runId: run.id, currency: run.currency, explanation }, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback explain -m 2026-10 --cost-centre CC-1001',
    'chargeback explain -m 2026-10 --cost-centre CC-1001 -f json',
  ]);
}
