import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.js';
import { openLedger } from '../../src/ledger/open.js';
import { connectSync } from '../../src/ledger/postgresql/sync-client.js';

/** The project root (tests run from dist/test/e2e). */
export const ROOT = resolve(import.meta.dirname, '../../..');
export const BIN = join(ROOT, 'bin/chargeback');
export const fixture = (path: string) => join(ROOT, 'fixtures', path);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * CHARGEBACK_TEST_POSTGRESQL=<cluster URL> runs a suite's default ledgers on PostgreSQL: a
 * database per working folder (a sweep for finding differences by hand; the parity tests
 * proper are golden-cases and postgresql.test).
 */
const ledgerOfFolder = new Map<string, string>();
const defaultLedger = (cwd: string) => ledgerOfFolder.get(cwd) ?? join(cwd, 'chargeback.db');

function postgresqlFor(dir: string, cluster: string): string {
  const name = `sweep_${dir.replace(/\W/g, '_').toLowerCase()}`;
  const admin = connectSync(cluster);
  try {
    admin.query(`CREATE DATABASE ${name}`);
  } finally {
    admin.close();
  }
  const url = cluster.replace(/\/[^/]*$/, `/${name}`);
  ledgerOfFolder.set(dir, url);
  return url;
}

/** A fresh working folder with its own ledger, made as `chargeback init` makes it (unless `init` is false). */
export function workspace({ init = true }: { init?: boolean } = {}): { dir: string; ledger: string } {
  const dir = mkdtempSync(join(tmpdir(), 'chargeback-test-'));
  const cluster = process.env.CHARGEBACK_TEST_POSTGRESQL;
  const ledger = cluster ? postgresqlFor(dir, cluster) : join(dir, 'chargeback.db');
  if (init) openLedger(ledger, { create: true }).close();
  return { dir, ledger };
}

/** Runs the built CLI as a user would: a child process, no TTY, NO_COLOR unset. */
export function chargeback(cwd: string, args: readonly string[], input?: string): Run {
  const env: Record<string, string | undefined> = { ...process.env, CHARGEBACK_LEDGER: defaultLedger(cwd) };
  delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  delete env.COLUMNS;
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, env, encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  return { code: result.status ?? -1, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI without waiting, for concurrency and kill tests. */
export function startChargeback(cwd: string, args: readonly string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, CHARGEBACK_LEDGER: defaultLedger(cwd) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<Run>((resolve) =>
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr })),
  );
  return { child, done };
}

/**
 * What chargeback(dir, args) does, in this process through main(): on `dir`'s ledger, at the
 * real clock, with `input` on stdin. No child process to start: a file of many commands runs
 * in a fraction of the time. Paths given to it must be absolute (the working folder is the test's).
 */
export async function cliIn(dir: string, args: readonly string[], input?: string, env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdin: Readable.from(input === undefined ? [] : [input]),
    env: { CHARGEBACK_LEDGER: defaultLedger(dir), ...env }, now: () => new Date(), stdoutIsTTY: false, stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

/**
 * Runs the CLI in this process through main(), on `ledger`, at a fixed clock: no child
 * process to start, so a scenario of many commands stays fast.
 */
export function inProcess(ledger: string, now = '2026-11-15T12:00:00Z') {
  return async (...args: string[]): Promise<Run> => {
    let stdout = '';
    let stderr = '';
    const code = await main(args, {
      stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), stdin: Readable.from([]),
      env: { CHARGEBACK_LEDGER: ledger }, now: () => new Date(now), stdoutIsTTY: false, stderrIsTTY: false,
    });
    return { code, stdout, stderr };
  };
}
