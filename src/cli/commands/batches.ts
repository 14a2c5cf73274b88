import type { Command } from 'commander';
import { ProblemFound } from '../../domain/errors.js';
import { listBatches, storedRowsByBatch } from '../../ledger/batches.js';
import { BATCH_CHECK_VIEW, BATCHES_VIEW } from '../../report/batches.js';
import { render } from '../../report/view.js';
import { lookOf, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, withExamples } from '../options.js';

/** `chargeback batches`: the ingest audit trail, one row per committed batch; `--verify` recounts them. */
export function registerBatches(program: Command, io: Io): void {
  const command = program
    .command('batches')
    .description('the ingest audit trail: every batch, its file hash, rows accepted and rejected')
    .addOption(formatOption(BATCHES_VIEW))
    .option('--verify', "recount each batch's stored rows against what it recorded; exit 1 on any difference")
    .action((flags: { format: string; verify?: boolean }, command: Command) => {
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const batches = listBatches(ledger);
      const stored = flags.verify ? storedRowsByBatch(ledger) : null;
      ledger.close();
      if (!stored) return io.stdout(render(BATCHES_VIEW, flags.format, batches, lookOf(command, io)));
      const checks = batches.map((b) => ({ batch: b.id, file: b.fileName, recorded: b.rowsAccepted, stored: stored.get(b.id) ?? 0 }));
      io.stdout(render(BATCH_CHECK_VIEW, flags.format, checks, lookOf(command, io)));
      const wrong = checks.filter((c) => c.stored !== c.recorded).length;
      if (wrong > 0) {
        throw new ProblemFound(`${wrong} batch${wrong === 1 ? '' : 'es'} no longer hold${wrong === 1 ? 's' : ''} the rows recorded: the ledger was changed outside chargeback`);
      }
    });
  withExamples(command, ['chargeback batches', 'chargeback batches -f csv > batches.csv', 'chargeback batches --verify']);
}
