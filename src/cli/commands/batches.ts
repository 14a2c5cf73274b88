import { printable } from '../../report/cells.js';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { ProblemFound } from '../../domain/errors.js';
import { describeOptions, listBatches, storedRowsByBatch } from '../../ledger/batches.js';
import { COMPACT } from '../../report/showback.js';
import { useLedger, type GlobalOptions, type Io } from '../context.js';

/** `chargeback batches`: the ingest audit trail, one row per committed batch. */
export function registerBatches(program: Command, io: Io): void {
  program
    .command('batches')
    .description('the ingest audit trail: every batch, its file hash, rows accepted and rejected')
    .option('--format <format>', 'table or json', 'table')
    .option('--verify', "recount each batch's stored rows against what it recorded; exit 1 on any difference")
    .action((flags: { format: string; verify?: boolean }, command: Command) => {
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const batches = listBatches(ledger);
      const stored = flags.verify ? storedRowsByBatch(ledger) : null;
      ledger.close();
      if (stored) {
        const wrong = batches.filter((b) => (stored.get(b.id) ?? 0) !== b.rowsAccepted);
        for (const b of batches) {
          const now = stored.get(b.id) ?? 0;
          io.stdout(`batch ${b.id} ${b.fileName}: recorded ${b.rowsAccepted} stored, ${now} in the ledger${now === b.rowsAccepted ? ': ok' : ': MISMATCH'}\n`);
        }
        if (wrong.length > 0) {
          throw new ProblemFound(`${wrong.length} batch${wrong.length === 1 ? '' : 'es'} no longer hold${wrong.length === 1 ? 's' : ''} the rows recorded: the ledger was changed outside chargeback`);
        }
        return;
      }
      if (flags.format === 'json') {
        io.stdout(`${JSON.stringify(batches, null, 2)}\n`);
        return;
      }
      const table = new Table({
        head: ['batch', 'source', 'format', 'options', 'file', 'sha256', 'read', 'stored', 'duplicate', 'rejected', 'finished'],
        style: { head: [], border: [] },
        chars: COMPACT,
      });
      for (const b of batches) {
        const options = describeOptions(b.parseOptions, ['format']);
        table.push([b.id, b.source, b.format, options === 'none' ? '' : printable(options), printable(b.fileName), b.sha256.slice(0, 12), b.rowsRead, b.rowsAccepted,
          b.rowsDuplicate, b.rowsRejected, b.finishedAt]);
      }
      io.stdout(`${table.toString()}\n`);
    });
}
