import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { summariseBilling, type BillingSummaryRow } from '../../domain/billing-summary.js';
import { UsageError } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { isKnownTimeZone, periodOf } from '../../domain/month.js';
import { billingRecordsInRange } from '../../ledger/billing.js';
import { COMPACT } from '../../report/showback.js';
import { requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';

/** `chargeback billing summary --month M`: the month's cloud cost by provider/service and by tag. */
export function registerBilling(program: Command, io: Io): void {
  const billing = program.command('billing').description('look at ingested cloud billing records');
  billing
    .command('summary')
    .description("the month's billing cost by provider and service, and by tag, to write pool filters with")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .option('--tz <zone>', 'the zone the month is taken in (use the rate card\'s; default UTC)', 'UTC')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action((flags: { month: string; tz: string; format: 'table' | 'json' }, command: Command) => {
      const month = requireMonth(flags.month);
      if (!isKnownTimeZone(flags.tz)) throw new UsageError(`--tz: expected an IANA time zone such as "Europe/Berlin", got "${flags.tz}"`);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const period = periodOf(month, flags.tz);
      const records = billingRecordsInRange(ledger, period);
      ledger.close();
      const summary = summariseBilling(records, period);
      if (flags.format === 'json') {
        const json = (rows: BillingSummaryRow[]) => rows.map((r) => ({ ...r, billedCost: r.billedCost.toFixed(), effectiveCost: r.effectiveCost.toFixed() }));
        io.stdout(`${JSON.stringify({ month: month.label, byService: json(summary.byService), byTag: json(summary.byTag), total: json(summary.total) }, null, 2)}\n`);
        return;
      }
      io.stdout(`Billing ${month.label} (${flags.tz}): billed cost by invoice (the billing period it names, else prorated), effective cost amortised over the charge period\n`);
      io.stdout(`${table('provider / service', [...summary.byService, ...summary.total])}\n`);
      if (summary.byTag.length > 0) io.stdout(`${table('tag', summary.byTag)}\n`);
    });
}

function table(title: string, rows: readonly BillingSummaryRow[]): string {
  const t = new Table({
    head: [title, 'records', 'billed cost', 'effective cost', 'currency'],
    colAligns: ['left', 'right', 'right', 'right', 'left'],
    style: { head: [], border: [] },
    chars: COMPACT,
  });
  // The total's billed cost is what the month's invoices add up to: say so where it stands.
  for (const r of rows) t.push([r.group === 'total' ? 'total (billed: the invoice total)' : r.group, r.records, formatAmount(r.billedCost), formatAmount(r.effectiveCost), r.currency]);
  return t.toString();
}
