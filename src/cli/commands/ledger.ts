import type { Command } from 'commander';
import { copyLedger } from '../../ledger/copy.js';
import { describeLocation, locationOf } from '../../ledger/location.js';
import { LEDGER_COPY_VIEW } from '../../report/ledger-copy.js';
import { render } from '../../report/view.js';
import { lookOf, type Io } from '../context.js';
import { formatOption, withExamples } from '../options.js';

/** `chargeback ledger copy --from A --to B`: a ledger moved between SQLite and PostgreSQL, verified. */
export function registerLedger(program: Command, io: Io): void {
  const ledger = program.command('ledger').description('move a ledger between SQLite files and PostgreSQL databases');
  withExamples(ledger, ['chargeback ledger copy --from chargeback.db --to postgresql://chargeback@db.internal/chargeback', 'chargeback ledger copy --from postgresql://chargeback@db.internal/chargeback --to backup.db']);
  const command = ledger
    .command('copy')
    .description('copy every row of a ledger into a new, empty one (SQLite file or postgresql:// URL), then verify both hold the same rows')
    .requiredOption('--from <ledger>', 'the ledger to copy: a SQLite file or a postgresql:// URL')
    .requiredOption('--to <ledger>', 'where to: a new SQLite file, or an empty PostgreSQL database')
    .addOption(formatOption(LEDGER_COPY_VIEW))
    .action((flags: { from: string; to: string; format: string }, command: Command) => {
      const from = locationOf(flags.from);
      const to = locationOf(flags.to);
      const tables = copyLedger(from, to);
      io.stdout(render(LEDGER_COPY_VIEW, flags.format, { from: describeLocation(from), to: describeLocation(to), tables }, lookOf(command, io)));
    });
  withExamples(command, [
    'chargeback ledger copy --from chargeback.db --to postgresql://chargeback@db.internal/chargeback',
    'chargeback ledger copy --from postgresql://chargeback@db.internal/chargeback --to backup.db -f json',
  ]);
}
