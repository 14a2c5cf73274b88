import { renameSync, rmSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Option } from 'commander';
import { FileError, UsageError } from '../domain/errors.js';
import { parseMonth, type Month } from '../domain/month.js';
import { openLedger, type Ledger } from '../ledger/open.js';
import { removeStaleTemporaries, temporaryName } from '../temporary-files.js';
import { findRun, type StoredRun } from '../ledger/runs.js';

/** What a command may touch of the outside world; tests hand in their own. */
export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: Readable;
  env: Readonly<Record<string, string | undefined>>;
  now: () => Date;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /**
   * Files being written under a temporary name, owned by the process's entry point: it
   * removes them when a signal ends the process, so no half file is ever left (issue 13).
   */
  temporaries?: Set<string>;
}

export interface GlobalOptions {
  ledger?: string;
  debug?: boolean;
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

/** Colour only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function wantsColour(io: Io): boolean {
  return io.stdoutIsTTY && (io.env.NO_COLOR === undefined || io.env.NO_COLOR === '');
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
 * written under a temporary name and renamed into place, so a full disk or a signal never
 * leaves half a statement where a whole one is expected.
 */
export function writeOutput(io: Io, path: string | undefined, text: string): void {
  if (path === undefined) return io.stdout(text);
  removeStaleTemporaries(path);
  const temporary = temporaryName(path);
  io.temporaries?.add(temporary);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw FileError.from(error, path, 'write the output');
  } finally {
    io.temporaries?.delete(temporary);
  }
}
