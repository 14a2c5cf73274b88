import type { Command } from 'commander';
import Table from 'cli-table3';
import { closedMonths, listRuns } from '../../ledger/runs.js';
import { COMPACT } from '../../report/showback.js';
import { requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';

/** `chargeback runs --month M`: the month's statement runs, oldest first, and which one closed it. */
export function registerRuns(program: Command, io: Io): void {
  program
    .command('runs')
    .description("a month's statement runs: id, time, rate card SHA-256, total, and the closing run")
    .requiredOption('--month <YYYY-MM>', 'the month')
    .action((flags: { month: string }, command: Command) => {
      const month = requireMonth(flags.month);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io, false);
      const runs = listRuns(ledger, month.label);
      const closed = closedMonths(ledger).find((c) => c.month === month.label);
      ledger.close();
      const table = new Table({ head: ['run', 'created', 'rate card sha256', 'lines', 'total', 'reconciled', 'closes the month'], style: { head: [], border: [] }, chars: COMPACT });
      for (const r of runs) {
        table.push([r.id, r.createdAt, r.rateCardSha256.slice(0, 12), r.lines, r.total, r.reconciled ? 'yes' : 'NO', closed?.runId === r.id ? 'yes' : '']);
      }
      io.stdout(`Runs ${month.label}${closed ? ` (closed on run ${closed.runId})` : ''}\n${table.toString()}\n`);
    });
}
