import { Command, CommanderError, Option } from 'commander';
import { ChargebackError, FileError, InputError, RateCardError, UsageError } from '../domain/errors.js';
import { registerCompletion } from './commands/completion.js';
import { registerLedger } from './commands/ledger.js';
import { registerReport } from './commands/report.js';
import { registerStatus } from './commands/status.js';
import { withExamples } from './options.js';
import { registerBatches } from './commands/batches.js';
import { registerBilling } from './commands/billing.js';
import { registerRuns } from './commands/runs.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerBudgets } from './commands/budgets.js';
import { registerMetrics } from './commands/metrics.js';
import { registerExport } from './commands/export.js';
import { registerGpu } from './commands/gpu.js';
import { registerCompute } from './commands/compute.js';
import { registerIngest } from './commands/ingest.js';
import { registerInit } from './commands/init.js';
import { registerRateCard } from './commands/ratecard.js';
import { registerStatement } from './commands/statement.js';
import type { Io } from './context.js';
import { toolVersion } from './version.js';

const REGISTERS = [registerInit, registerIngest, registerRateCard, registerCompute, registerStatement, registerRuns, registerDiff,
  registerExplain, registerExport, registerBudgets, registerMetrics, registerBatches, registerBilling, registerGpu, registerStatus, registerReport, registerLedger, registerCompletion];

/** The command as typed, e.g. "billing summary": what a usage error's pointer to help names. */
const pathOf = (command: Command): string => (command.parent ? `${pathOf(command.parent)} ${command.name()}`.trim() : '');

/** The program with every command registered; `ran` learns which command's action ran. */
export function buildProgram(io: Io, ran: { path: string } = { path: '' }): Command {
  const program = new Command('chargeback')
    .description('Exact, auditable monthly chargeback for shared AI inference infrastructure')
    .version(toolVersion())
    .option('--ledger <path>', 'the ledger: a SQLite file, or a postgresql:// URL (default $CHARGEBACK_LEDGER or ./chargeback.db)')
    .option('-q, --quiet', 'print only data and errors: no summaries, notes or warnings')
    .addOption(new Option('--color <when>', 'colour the tables: auto (a terminal, FORCE_COLOR, NO_COLOR), always or never').choices(['auto', 'always', 'never']).default('auto'))
    .option('--wide', 'show every column of a table, however wide the terminal')
    .option('--debug', 'print a stack trace with errors')
    .exitOverride()
    // Every error line starts with "chargeback:", commander's own included.
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr, outputError: (text, write) => write(`chargeback: ${text.replace(/^error: /, '')}`) })
    .hook('preAction', (_, action) => void (ran.path = pathOf(action)));
  for (const register of REGISTERS) register(program, io);
  withExamples(program, [
    'chargeback init --example && chargeback ingest gateway.csv --source gateway',
    'chargeback compute -m 2026-10 -r ratecard.yaml',
    'chargeback statement -m 2026-10 -f csv -o statement-2026-10.csv',
  ]);
  everyCommand(program, (command) => {
    command.exitOverride().configureOutput(program.configureOutput());
    command.showHelpAfterError(`(run "chargeback${pathOf(command) ? ` ${pathOf(command)}` : ''} --help" for usage and examples)`);
  });
  return program;
}

function everyCommand(command: Command, visit: (command: Command) => void): void {
  visit(command);
  for (const sub of command.commands) everyCommand(sub, visit);
}

/**
 * Runs the CLI and returns its exit code (SPEC §2). This is the one place that turns errors
 * into a line on stderr and an exit code; a stack only with --debug.
 */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const debug = argv.includes('--debug');
  const ran = { path: '' };
  // Whether the command printed anything: a JSON caller gets one document on stdout, never two.
  let printed = false;
  const watched: Io = { ...io, stdout: (text: string) => ((printed = true), io.stdout(text)) };
  const failed = (code: number, message: string, error: unknown): number => {
    if (!printed && asksForJson(argv)) io.stdout(errorAsJson(code, message, error));
    return code;
  };
  try {
    await buildProgram(watched, ran).parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (caught) {
    if (caught instanceof CommanderError) return caught.exitCode === 0 ? 0 : failed(2, caught.message.replace(/^error: /, ''), caught);
    const error = fileProblem(caught, argv, io);
    if (error instanceof ChargebackError) {
      // A flag given wrongly is answered by the command's help, which says how to give it.
      const help = error instanceof UsageError && error.message.startsWith('-') && ran.path ? ` (see "chargeback ${ran.path} --help")` : '';
      io.stderr(`chargeback: ${error.message}${help}\n`);
      if (debug) io.stderr(`${error.stack}\n`);
      return failed(error.exitCode, `${error.message}${help}`, error);
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`chargeback: internal error: ${message}${debug ? '' : ' (run with --debug for details)'}\n`);
    if (debug && error instanceof Error) io.stderr(`${error.stack}\n`);
    return failed(1, `internal error: ${message}`, error);
  }
}

/** `-f json` (`--format json`), or ingest's `--report-format json`: the caller reads stdout as JSON. */
function asksForJson(argv: readonly string[]): boolean {
  const flags = argv[0] === 'ingest' ? ['--report-format'] : ['-f', '--format'];
  return argv.some((arg, i) => (flags.includes(arg) && argv[i + 1] === 'json') || flags.some((f) => arg === `${f}=json`) || arg === '-fjson');
}

/**
 * A failure as the JSON caller reads it (docs/schemas/error.schema.json): the exit code, the
 * message, and the file and line where one is known; a rate card's problems one by one.
 */
function errorAsJson(code: number, message: string, error: unknown): string {
  const at = error instanceof InputError ? { file: error.file, line: error.line } : error instanceof FileError ? { file: error.path, line: null } : { file: null, line: null };
  const problems = error instanceof RateCardError ? error.problems.map(problemOf) : undefined;
  return `${JSON.stringify({ error: { code, message, ...at, ...(problems ? { problems } : {}) } }, null, 2)}\n`;
}

/** "card.yaml:14: pools[0].cost: …" as its file, line and message. */
function problemOf(text: string): { file: string | null; line: number | null; message: string } {
  const found = /^(.*?):(\d+): (.*)$/s.exec(text);
  return found ? { file: found[1]!, line: Number(found[2]), message: found[3]! } : { file: null, line: null, message: text };
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
