import type { Readable } from 'node:stream';
import { Option, type Command } from 'commander';
import type { Look } from '../report/table.js';
import { FileError, UsageError } from '../domain/errors.js';
import { parseMonth, type Month } from '../domain/month.js';
import { openLedger, type Ledger } from '../ledger/open.js';
import { writeWhole } from '../temporary-files.js';
import { findRun, type StoredRun } from '../ledger/runs.js';
import { centresInOrder } from '../domain/order.js';
import { parseRateCardText, readRateCard, storedCardFiles } from '../ratecard/load.js';
import type { RateCard } from '../domain/types.js';

/** What a command may touch of the outside world; tests hand in their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** The terminal's width when standard output is one (process.stdout.columns). */
  columns?: number;
  /**
   * Files being written under a temporary name, owned by the process's entry point: it
   * removes them when a signal ends the process, so no half file is ever left (issue 13).
   */
  temporaries?: Set<string>;
}

export interface GlobalOptions {
  ledger?: string;
  debug?: boolean;
  quiet?: boolean;
  wide?: boolean;
  color?: 'auto' | 'always' | 'never';
}

/** The ledger path: --ledger, else CHARGEBACK_LEDGER, else ./chargeback.db (SPEC §1). */
export function ledgerPath(options: GlobalOptions, io: Io): string {
  return options.ledger ?? io.env.CHARGEBACK_LEDGER ?? 'chargeback.db';
}

/** The ledger every command but `init` works on; it must exist (only `init` makes one). */
export function useLedger(options: GlobalOptions, io: Io): Ledger {
  return openLedger(ledgerPath(options, io), { create: false });
}

export function requireMonth(text: string | undefined, flag = '--month'): Month {
  const month = text === undefined ? null : parseMonth(text);
  if (!month) throw new UsageError(`${flag}: expected YYYY-MM, got ${text === undefined ? 'nothing' : `"${text}"`}`);
  return month;
}

/**
 * Colour as asked: `--color always|never`, else (auto) FORCE_COLOR when set and not 0, else
 * never with NO_COLOR (no-color.org), else only on a terminal.
 */
export function wantsColour(globals: GlobalOptions, io: Io): boolean {
  if (globals.color === 'always') return true;
  if (globals.color === 'never') return false;
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '') return force !== '0' && force !== 'false';
  return io.stdoutIsTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
}

/**
 * The width a table may take: everything with --wide; else the terminal's width, else
 * $COLUMNS, else 80 (a table piped to a file or a mail reads at 80 columns).
 */
export function tableWidth(globals: GlobalOptions, io: Io): number {
  if (globals.wide) return Infinity;
  const fromEnv = Number(io.env.COLUMNS);
  const width = io.stdoutIsTTY && io.columns ? io.columns : Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80;
  return Math.max(width, 20);
}

/** How the command's views look: colour and width, from the global options and the terminal. */
export function lookOf(command: Command, io: Io, toFile = false): Look {
  const globals = command.optsWithGlobals<GlobalOptions>();
  return { colour: !toFile && wantsColour(globals, io), width: toFile ? Infinity : tableWidth(globals, io) };
}

/**
 * What a command says besides its data: `info` (summaries, notes) and `warn` lines, both
 * silenced by --quiet; errors are never silenced (main prints them).
 */
export function speaker(command: Command, io: Io): { info: (text: string) => void; warn: (text: string) => void } {
  const quiet = command.optsWithGlobals<GlobalOptions>().quiet ?? false;
  return {
    info: (text) => (quiet ? undefined : io.stdout(text.endsWith('\n') ? text : `${text}\n`)),
    warn: (text) => (quiet ? undefined : io.stderr(`${text.endsWith('\n') ? text : `${text}\n`}`)),
  };
}

/**
 * The month's books (the closed run, else the latest) or run `runText`, or a UsageError that
 * says how to make one: every command that reads a run starts here.
 */
export function requireRun(ledger: Ledger, month: Month, runText?: string): StoredRun {
  const runId = runText === undefined ? undefined : Number(runText);
  if (runId !== undefined && !Number.isSafeInteger(runId)) throw new UsageError(`--run: expected a run id, got "${runText}"`);
  const run = findRun(ledger, month.label, runId);
  if (run) return run;
  throw new UsageError(runId === undefined
    ? `no statement run for ${month.label}: run "chargeback compute --month ${month.label} --rate-card FILE" first`
    : `no run ${runId} for ${month.label}`);
}

/**
 * The card a stored run was computed with: the text the run stored (runs since ledger
 * version 6), else the file it names or `given`, whose SHA-256 must be the run's.
 */
export function cardOfRun(run: StoredRun, given?: string): RateCard {
  if (given === undefined && run.rateCardText !== null) return parseRateCardText(run.rateCardText, run.rateCardFile, storedCardFiles(run.rateCardFiles));
  const { card, sha256, file } = readRateCard(given ?? run.rateCardFile);
  if (sha256 !== run.rateCardSha256) throw new UsageError(`${file} is not the rate card run ${run.id} used (SHA-256 differs): pass the card it used with --rate-card`);
  return card;
}

/** The `--max-gap` option every command that builds GPU intervals takes (SPEC §3.3). */
export function maxGapOption(): Option {
  return new Option('--max-gap <seconds>', 'GPU samples further apart than this count only this long').default('300');
}

/** `--max-gap` as milliseconds; a UsageError unless it is a positive number of seconds. */
export function requireMaxGap(text: string): number {
  const ms = Number(text) * 1000;
  if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--max-gap: expected a number of seconds, got "${text}"`);
  return ms;
}

/**
 * Writes a command's output to `--output PATH`, or to standard output without one. A file is
 * written whole (temporary name, then renamed into place); a FIFO, a device or /dev/stdout is
 * written through, a symlink's target is replaced, never the link (temporary-files.ts).
 */
export function writeOutput(io: Io, path: string | undefined, text: string | Uint8Array): void {
  if (path === undefined) return io.stdout(typeof text === 'string' ? text : new TextDecoder().decode(text));
  try {
    writeWhole(path, text, io.temporaries);
  } catch (error) {
    throw FileError.from(error, path, 'write the output');
  }
}

/** `--by tag.NAME` as the tag's name; a usage error for anything else. */
export function tagOf(by: string | undefined): string | null {
  if (by === undefined) return null;
  const match = /^tag\.(.+)$/.exec(by);
  if (!match) throw new UsageError(`--by: expected tag.NAME, such as tag.feature, got "${by}"`);
  return match[1]!;
}

/**
 * The centres a command shows: the one asked for (it must have lines in the run), else every
 * centre of the run in statement order, the unallocated centre last (as the showback table).
 */
export function centresOf(run: StoredRun, costCentre: string | undefined): string[] {
  const all = centresInOrder(run.lines, run.unallocated);
  if (costCentre === undefined) return all;
  if (!all.includes(costCentre)) throw new UsageError(`cost centre ${costCentre} has no lines in run ${run.id} for ${run.month}`);
  return [costCentre];
}
