import { Option, type Command } from 'commander';
import Table from 'cli-table3';
import { UsageError } from '../../domain/errors.js';
import { listRuns, type RunStanding } from '../../ledger/runs.js';
import { COMPACT } from '../../report/showback.js';
import { requireMonth, useLedger, type GlobalOptions, type Io } from '../context.js';
import { verifyRun } from '../verify-run.js';

interface RunsFlags {
  month?: string;
  verify?: string;
  format: 'table' | 'json';
}

const standingText = (s: RunStanding): string => (s.kind === 'closes' ? 'closes the month' : s.kind === 'adjusts' ? `adjusts run ${s.booksRunId}` : '');

/**
 * `chargeback runs [--month M]`: the runs of a month (or of every month), oldest first, which
 * one closed it and which adjust it. `--verify RUN` recomputes a run from the batches it read
 * and its stored card, and proves it byte-identical (exit 1 on the first difference).
 */
export function registerRuns(program: Command, io: Io): void {
  program
    .command('runs')
    .description('statement runs: id, card SHA-256, version, total, which run closed the month and which adjust it; --verify RUN recomputes one')
    .option('--month <YYYY-MM>', 'only this month')
    .option('--verify <run>', 'recompute this run from the batches it read and its stored card; exit 1 unless byte-identical')
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json']).default('table'))
    .action(async (flags: RunsFlags, command: Command) => {
      const month = flags.month === undefined ? null : requireMonth(flags.month).label;
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      if (flags.verify !== undefined) {
        const runId = Number(flags.verify);
        if (!Number.isSafeInteger(runId)) throw new UsageError(`--verify: expected a run id, got "${flags.verify}"`);
        return verifyRun(ledger, runId, io);
      }
      const runs = listRuns(ledger, month);
      ledger.close();
      if (flags.format === 'json') {
        io.stdout(`${JSON.stringify(runs.map((r) => ({ run: r.id, month: r.month, created_at: r.createdAt, rate_card_sha256: r.rateCardSha256,
          tool_version: r.toolVersion, lines: r.lines, total: r.total, reconciled: r.reconciled, standing: r.standing.kind,
          ...(r.standing.kind === 'adjusts' ? { adjusts_run: r.standing.booksRunId, closed_run: r.standing.closedRunId } : {}) })), null, 2)}\n`);
        return;
      }
      const table = new Table({ head: ['run', 'month', 'created', 'rate card sha256', 'version', 'lines', 'total', 'reconciled', 'books'], style: { head: [], border: [] }, chars: COMPACT });
      for (const r of runs) {
        table.push([r.id, r.month, r.createdAt, r.rateCardSha256.slice(0, 12), r.toolVersion ?? '', r.lines, r.total, r.reconciled ? 'yes' : 'NO', standingText(r.standing)]);
      }
      const closing = runs.find((r) => r.standing.kind === 'closes');
      io.stdout(`Runs ${month ?? '(every month)'}${month && closing ? ` (closed on run ${closing.id})` : ''}\n${table.toString()}\n`);
    });
}
