import type { Command } from 'commander';
import Table from 'cli-table3';
import { listBatches } from '../../ledger/batches.js';
import { COMPACT } from '../../report/showback.js';
import { useLedger, type GlobalOptions, type Io } from '../context.js';

/** `chargeback batches`: the ingest audit trail, one row per committed batch. */
export function registerBatches(program: Command, io: Io): void {
  program
    .command('batches')
    .description('the ingest audit trail: every batch, its file hash, rows accepted and rejected')
    .option('--format <format>', 'table or json', 'table')
    .action((flags: { format: string }, command: Command) => {
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io, false);
      const batches = listBatches(ledger);
      ledger.close();
      if (flags.format === 'json') {
        io.stdout(`${JSON.stringify(batches, null, 2)}\n`);
        return;
      }
      const table = new Table({
        head: ['batch', 'source', 'format', 'file', 'sha256', 'read', 'stored', 'duplicate', 'rejected', 'finished'],
        style: { head: [], border: [] },
        chars: COMPACT,
      });
      for (const b of batches) {
        table.push([b.id, b.source, b.format, b.fileName, b.sha256.slice(0, 12), b.rowsRead, b.rowsAccepted,
          b.rowsDuplicate, b.rowsRejected, b.finishedAt]);
      }
      io.stdout(`${table.toString()}\n`);
    });
}
