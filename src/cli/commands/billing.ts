import type { Command } from 'commander';
import { summariseBilling } from '../../domain/billing-summary.js';
import { UsageError } from '../../domain/errors.js';
import { isKnownTimeZone, periodOf } from '../../domain/month.js';
import { billingRecordsInRange } from '../../ledger/billing.js';
import { BILLING_SUMMARY_VIEW } from '../../report/billing-summary.js';
import { render } from '../../report/view.js';
import { lookOf, requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, withExamples } from '../options.js';

/** `chargeback billing summary --month M`: the month's cloud cost by provider/service and by tag. */
export function registerBilling(program: Command, io: Io): void {
  const billing = program.command('billing').description('look at ingested cloud billing records');
  withExamples(billing, ['chargeback billing summary -m 2026-10', 'chargeback billing summary -m 2026-10 -f json']);
  const command = billing
    .command('summary')
    .description("the month's billing cost by provider and service, and by tag, to write pool filters with")
    .addOption(monthOption())
    .option('--tz <zone>', 'the zone the month is taken in (use the rate card\'s; default UTC)', 'UTC')
    .addOption(formatOption(BILLING_SUMMARY_VIEW))
    .action((flags: { month: string; tz: string; format: string }, command: Command) => {
      const month = requireMonth(flags.month);
      if (!isKnownTimeZone(flags.tz)) throw new UsageError(`--tz: expected an IANA time zone such as "Europe/Berlin", got "${flags.tz}"`);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const period = periodOf(month, flags.tz);
      const records = billingRecordsInRange(ledger, period);
      ledger.close();
      const view = { month: month.label, zone: flags.tz, summary: summariseBilling(records, period) };
      io.stdout(render(BILLING_SUMMARY_VIEW, flags.format, view, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback billing summary -m 2026-10',
    'chargeback billing summary -m 2026-10 --tz Europe/Berlin -f json',
    'chargeback billing summary -m 2026-10 -f csv > billing-2026-10.csv',
  ]);
}
