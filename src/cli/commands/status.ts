import type { Command } from 'commander';
import { ledgerStatus } from '../../ledger/status.js';
import { STATUS_VIEW } from '../../report/status.js';
import { render } from '../../report/view.js';
import { lookOf, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, withExamples } from '../options.js';

/** `chargeback status`: the ledger's path and size, what it holds, the last batch per source, open and closed months. */
export function registerStatus(program: Command, io: Io): void {
  const command = program
    .command('status')
    .description('the ledger at a glance: path and size, rows held, the last batch per source, open and closed months')
    .addOption(formatOption(STATUS_VIEW))
    .action((flags: { format: string }, command: Command) => {
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const status = ledgerStatus(ledger);
      ledger.close();
      io.stdout(render(STATUS_VIEW, flags.format, { path: ledger.name, bytes: status.bytes, status }, lookOf(command, io)));
    });
  withExamples(command, ['chargeback status', 'chargeback --ledger /var/lib/chargeback/ledger.db status -f json']);
}
