import { Command, CommanderError } from 'commander';
import { ChargebackError, FileError } from '../domain/errors.js';
import { registerBatches } from './commands/batches.js';
import { registerBilling } from './commands/billing.js';
import { registerRuns } from './commands/runs.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerBudgets } from './commands/budgets.js';
import { registerExport } from './commands/export.js';
import { registerGpu } from './commands/gpu.js';
import { registerCompute } from './commands/compute.js';
import { registerIngest } from './commands/ingest.js';
import { registerInit } from './commands/init.js';
import { registerRateCard } from './commands/ratecard.js';
import { registerStatement } from './commands/statement.js';
import type { Io } from './context.js';
import { toolVersion } from './version.js';

function buildProgram(io: Io): Command {
  const program = new Command('chargeback')
    .description('Exact, auditable monthly chargeback for shared AI inference infrastructure')
    .version(toolVersion())
    .option('--ledger <path>', 'the ledger file (default $CHARGEBACK_LEDGER or ./chargeback.db)')
    .option('--debug', 'print a stack trace with errors')
    .showHelpAfterError('(run "chargeback --help" for usage)')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  for (const register of [registerInit, registerIngest, registerRateCard, registerCompute, registerStatement, registerRuns, registerDiff, registerExplain, registerExport, registerBudgets, registerBatches, registerBilling, registerGpu]) {
    register(program, io);
  }
  for (const command of program.commands) command.exitOverride();
  return program;
}

/**
 * Runs the CLI and returns its exit code (SPEC §2). This is the one place that turns errors
 * into a line on stderr and an exit code; a stack only with --debug.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await buildProgram(io).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError) return caught.exitCode === 0 ? 0 : 2;
    const error = fileProblem(caught, argv, io);
    if (error instanceof ChargebackError) {
      io.stderr(`chargeback: ${error.message}\n`);
      if (debug) io.stderr(`${error.stack}\n`);
      return error.exitCode;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`chargeback: internal error: ${message}${debug ? '' : ' (run with --debug for details)'}\n`);
    if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
    return 1;
  }
}

/**
 * A file system or SQLite failure that no command turned into a FileError (a full disk
 * mid-batch, a read-only ledger): one line naming the path, exit 2, rather than an internal error.
 */
function fileProblem(error: unknown, argv: readonly string[], io: Io): unknown {
  if (error instanceof ChargebackError) return error;
  const path = (error as { path?: unknown } | null)?.path;
  if (typeof path === 'string') return FileError.from(error, path, 'use it');
  const at = argv.indexOf('--ledger');
  const given = argv.find((a) => a.startsWith('--ledger='))?.slice('--ledger='.length);
  return FileError.from(error, given ?? (at >= 0 ? argv[at + 1] : undefined) ?? io.env.CHARGEBACK_LEDGER ?? 'chargeback.db', 'use the ledger');
}
