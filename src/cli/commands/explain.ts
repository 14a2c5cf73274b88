import type { Command } from 'commander';
import { UsageError } from '../../domain/errors.js';
import { explainLines } from '../../domain/explain.js';
import { formatAmount, formatQuantity, sum } from '../../domain/money.js';
import { monthRange } from '../../domain/month.js';
import { readMonthUsage } from '../month-inputs.js';
import { inSnapshot } from '../../ledger/open.js';
import { ownerOf } from '../../domain/match.js';
import type { GroupShape } from '../../domain/types.js';
import { readRateCard } from '../../ratecard/load.js';
import { poolCostLines } from '../../report/pool-costs.js';
import { grouped, printable } from '../../report/cells.js';
import { requireMonth, requireRun, useLedger, type GlobalOptions, type Io } from '../context.js';
import { partsTotal } from '../../domain/parts.js';
import type { Decimal } from '../../domain/money.js';
import type { StatementLine } from '../../domain/types.js';

const TOP = 5;

/**
 * `chargeback explain --month M --cost-centre ID`: for each of the centre's lines in the
 * latest run, the pool's cost and how it was derived, the centre's driver quantity and share
 * of the pool, and the top models, users or keys and days behind that quantity.
 */
export function registerExplain(program: Command, io: Io): void {
  program
    .command('explain')
    .description("why a cost centre's bill is what it is: pool costs, drivers, shares, models, users and days")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .requiredOption('--cost-centre <id>', 'the cost centre')
    .option('--rate-card <file>', "the run's rate card, if it has moved (its SHA-256 must match the run's)")
    .action((flags: { month: string; costCentre: string; rateCard?: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const run = requireRun(ledger, month);
      const lines = run.lines.filter((l) => l.costCentre === flags.costCentre);
      if (lines.length === 0) throw new UsageError(`cost centre ${flags.costCentre} has no lines in run ${run.id} for ${month.label}`);
      const loaded = readRateCard(flags.rateCard ?? run.rateCardFile);
      if (loaded.sha256 !== run.rateCardSha256) {
        throw new UsageError(`${loaded.file} is not the rate card run ${run.id} used (SHA-256 differs): pass the card it used with --rate-card`);
      }
      const range = monthRange(month, loaded.card.timezone);
      const owned = (shape: GroupShape) => ownerOf(shape, loaded.card).id === flags.costCentre;
      const pools = loaded.card.pools.filter((pool) => lines.some((line) => line.pool === pool.id && line.method !== 'idle'));
      const breakdowns = inSnapshot(ledger, () => {
        const { classified } = readMonthUsage(ledger, loaded.card, range, 0);
        return explainLines(loaded.card, pools, flags.costCentre, classified.days(owned), classified.identities(owned));
      });
      ledger.close();
      const out: string[] = [`Explain ${flags.costCentre} ${lines[0]?.costCentreName ?? ''} — ${month.label}, run ${run.id}: ${grouped(formatAmount(sum(lines.map((l) => l.amount))))} ${run.currency}`];
      for (const line of lines) {
        const poolLines = run.lines.filter((l) => l.pool === line.pool && l.method !== 'idle');
        const poolQuantity = sum(poolLines.map((l) => l.quantity ?? sum([])));
        const source = run.poolCosts.filter((p) => p.pool === line.pool);
        out.push('', `${line.pool} (${line.method}): ${grouped(formatAmount(line.amount))}`);
        out.push(...source.flatMap((s) => poolCostLines(s).map((l, i) => (i === 0 ? `  cost: ${l}` : `    ${l}`))));
        if (line.quantity !== null) {
          const share = poolQuantity.isZero() ? '' : ` (${line.quantity.dividedBy(poolQuantity).times(100).toDecimalPlaces(2).toFixed()}% of the pool's ${formatQuantity(poolQuantity)})`;
          out.push(`  quantity: ${formatQuantity(line.quantity)} ${line.driver}${share}${line.unitPrice ? ` at ${formatQuantity(line.unitPrice)} per unit` : ''}`);
        }
        out.push(...termsOf(line));
        const pool = pools.find((p) => p.id === line.pool);
        const breakdown = pool && line.method !== 'idle' ? breakdowns.get(pool) : null;
        if (!breakdown) continue;
        const list = (entries: [string, { toFixed(): string }][]) =>
          entries.slice(0, TOP).map(([k, v]) => `${k} ${formatQuantity(v as never)}`).join('; ') + (entries.length > TOP ? `; … ${entries.length - TOP} more` : '');
        out.push(`  by model: ${list(breakdown.byModel)}`, `  by user or key: ${list(breakdown.byIdentity)}`, `  by day: ${list(breakdown.byDay)}`);
      }
      io.stdout(`${out.map(printable).join('\n')}\n`);
    });
}

/** A term as explain prints it: signed, exact to ten places (more are in the ledger). */
const term = (amount: Decimal) => {
  const text = amount.toDecimalPlaces(10).toFixed().replace(/(\.\d\d\d*?)0+$/, '$1');
  return `${amount.isNegative() ? '−' : '+'} ${text.replace(/^-/, '').replace(/^(\d+)$/, '$1.00')}`;
};

/** The line's amount term by term, adding up to it: what was priced or shared, rounding, idle. */
function termsOf(line: StatementLine): string[] {
  if (!line.parts) return ['  amount: (this run was stored before runs kept each amount\'s terms)'];
  const total = partsTotal(line.parts);
  const check = total.toDecimalPlaces(2).equals(line.amount) ? '' : `  (the terms add up to ${total.toFixed()}, not the line: report this)`;
  return ['  amount, term by term:', ...line.parts.map((p) => `    ${term(p.amount)}  ${p.what}`), `    = ${formatAmount(line.amount)}${check}`];
}
