import type { Command } from 'commander';
import { reconciliationFailures, UNMATCHED_LISTED } from '../../domain/compute.js';
import { ProblemFound, ReconciliationError, UsageError } from '../../domain/errors.js';
import { monthInEffect, periodOf, type Period } from '../../domain/month.js';
import type { RateCard, Statement } from '../../domain/types.js';
import { closedMonth, closeMonth, findRun, standingOf, storeRun, type StoredRun } from '../../ledger/runs.js';
import type { Ledger } from '../../ledger/open.js';
import { adjustmentsAgainst, type Adjustment } from '../../domain/adjustments.js';
import { inSnapshot } from '../../ledger/open.js';
import { anomaliesOf, batchesRead, priceMonth, readMonthUsage, runContentOf } from '../month-inputs.js';
import { toolVersion } from '../version.js';
import { readRateCard } from '../../ratecard/load.js';
import { printable } from '../../report/cells.js';
import { COMPUTE_VIEW, type ComputeView } from '../../report/compute.js';
import { render } from '../../report/view.js';
import { outOfRange } from './ratecard.js';
import { lookOf, maxGapOption, requireMaxGap, requireMonth, speaker, useLedger, type GlobalOptions, type Io } from '../context.js';
import { formatOption, monthOption, rateCardOption, withExamples } from '../options.js';

/**
 * `chargeback compute --month M --rate-card FILE`: read the card and the month's usage,
 * allocate, store the run, print the showback table. Exit 1 on unpriced usage or a run
 * that does not reconcile (the run is stored either way, for audit). `--dry-run` prints the
 * same and stores nothing.
 */
export function registerCompute(program: Command, io: Io): void {
  const command = program
    .command('compute')
    .description('allocate a month with a rate card, store the statement run, print the showback table')
    .addOption(monthOption('the month to allocate'))
    .addOption(rateCardOption())
    .addOption(maxGapOption())
    .option('--close', 'close the month on this run: later rows dated in it are refused unless allowed')
    .option('--dry-run', 'compute and print, store nothing (no run, no close)')
    .option('--verbose', `list every unmatched identity and unpriced group (default: the first ${UNMATCHED_LISTED} and a count)`)
    .addOption(formatOption(COMPUTE_VIEW))
    .action((flags: ComputeFlags, command: Command) => {
      if (flags.dryRun && flags.close) throw new UsageError('--dry-run stores nothing, so it cannot --close the month: drop one of them');
      const listed = flags.verbose ? Infinity : UNMATCHED_LISTED;
      const maxGapMs = requireMaxGap(flags.maxGap);
      const month = requireMonth(flags.month);
      const { card, sha256, file, text, files } = readRateCard(flags.rateCard);
      if (!monthInEffect(month, card.effectiveFrom, card.effectiveTo)) throw outOfRange(file, month.label, card);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const job = { period: periodOf(month, card.timezone), card, sha256, file, text, files, maxGapMs, listed, close: flags.close ?? false, store: !flags.dryRun, now: io.now };
      // A close reads and writes under the write lock: no batch commits rows into the month
      // between what the closed run read and the close, and a second close waits, then fails.
      let outcome: Stored;
      try {
        outcome = flags.close ? ledger.transaction(() => computeAndStore(ledger, job), 'write') : computeAndStore(ledger, job);
      } finally {
        ledger.close();
      }
      io.stdout(render(COMPUTE_VIEW, flags.format, viewOf(outcome, job, flags.close ?? false), lookOf(command, io)));
      const { warn } = speaker(command, io);
      for (const warning of warningsOf(outcome.statement, outcome.anomalies)) warn(`warning: ${printable(warning)}`);
      const problem = problemOf(outcome, job);
      if (problem) throw problem;
    });
  withExamples(command, [
    'chargeback compute -m 2026-10 -r ratecard.yaml',
    'chargeback compute -m 2026-10 -r ratecard.yaml --dry-run -f json',
    'chargeback compute -m 2026-10 -r ratecard.yaml --close',
  ]);
}

interface ComputeFlags {
  month: string;
  rateCard: string;
  maxGap: string;
  close?: boolean;
  dryRun?: boolean;
  verbose?: boolean;
  format: string;
}

/** What `compute` prints of an outcome, in every format. */
function viewOf(outcome: Stored, job: ComputeJob, closed: boolean): ComputeView {
  const { runId, statement, anomalies, books, adjustments, failures } = outcome;
  const { card, period, listed } = job;
  return {
    statement: { runId, month: period.month.label, currency: card.currency, unallocated: card.unallocated, lines: statement.lines, reconciliation: statement.reconciliation },
    ...runContentOf(statement), listed, showUnpriced: card.unpriced === 'error',
    adjusts: books ? { booksRunId: books.id, adjustments } : null,
    closed,
    reconciled: failures.length === 0,
    warnings: warningsOf(statement, anomalies),
  };
}

/**
 * What makes a computed run exit 1, in order: it does not reconcile, the month had no usage,
 * or usage that no pool prices when the card says that is an error.
 */
function problemOf({ runId, statement, noUsage, failures }: Stored, { card, period }: ComputeJob): Error | null {
  const which = runId === null ? 'the dry run' : `run ${runId}`;
  const groups = statement.unpriced.length;
  if (failures.length > 0) return new ReconciliationError(`${which} does not reconcile: ${failures.join('; ')}`);
  if (noUsage) {
    return new ProblemFound(`${period.month.label} has no usage events (no gateway requests, no GPU samples in ${card.timezone}): ` +
      `${which} charges every pool's cost to ${card.unallocated}; ingest the month's logs and compute again`);
  }
  if (groups > 0 && card.unpriced === 'error') {
    return new ProblemFound(`${which} has unpriced usage (${groups} group${groups === 1 ? '' : 's'} that no pool takes): add a pool for it, or set "unpriced: ignore" in the card`);
  }
  return null;
}

/** The run's warnings: the statement's, its unmatched identities, and the month's usage anomalies. */
function warningsOf(statement: Statement, anomalies: readonly string[]): string[] {
  const unmatched = statement.unmatched.length > 0 ? [`usage matched no cost centre: ${statement.unmatched.join('; ')}`] : [];
  return [...statement.warnings, ...unmatched, ...anomalies];
}

interface Stored {
  /** Null for a dry run. */
  runId: number | null;
  statement: Statement;
  anomalies: string[];
  noUsage: boolean;
  books: StoredRun | null;
  adjustments: Adjustment[];
  failures: string[];
}

interface ComputeJob {
  period: Period;
  card: RateCard;
  sha256: string;
  file: string;
  text: string;
  files: Record<string, string>;
  maxGapMs: number;
  listed: number;
  close: boolean;
  /** False for a dry run: price the month, store nothing. */
  store: boolean;
  /** The clock, read once the run's snapshot is taken (under the lock for a close): a run and a close are dated when they took effect. */
  now: () => Date;
}

/** Reads the month in one snapshot, prices it, stores the run, and closes the month if asked. */
function computeAndStore(ledger: Ledger, job: ComputeJob): Stored {
  const { period, card, maxGapMs, listed, close } = job;
  const { range, month: { label: month } } = period;
  const closed = closedMonth(ledger, month);
  if (closed && close) throw new UsageError(`${month} is already closed, on run ${closed.runId}`);
  const { statement, anomalies, batches, at } = inSnapshot(ledger, () => {
    const batches = batchesRead(ledger, period);
    // After the first read: the snapshot exists, so every batch it holds finished before this time.
    const at = job.now().toISOString();
    const usage = readMonthUsage(ledger, card, range);
    const statement = priceMonth(ledger, card, period, usage, maxGapMs, { listed, withBreakdowns: job.store });
    return { at, batches, statement, anomalies: anomaliesOf(card, month, usage, statement) };
  });
  const noUsage = batches.usage.length === 0 && batches.gpu.length === 0;
  if (noUsage && close) {
    throw new ProblemFound(`${month} has no usage events (no gateway requests, no GPU samples in ${card.timezone}): not closing it; ingest the month's logs first`);
  }
  const failures = reconciliationFailures(statement);
  if (!job.store) {
    const books = closed ? findRun(ledger, month) : null;
    return { runId: null, statement, anomalies, noUsage, books, adjustments: books ? adjustmentsAgainst(books.lines, statement.lines) : [], failures };
  }
  const runId = storeRun(ledger, {
    month,
    rateCardSha256: job.sha256,
    rateCardFile: job.file,
    rateCardText: job.text,
    rateCardFiles: job.files,
    toolVersion: toolVersion(),
    maxGapMs,
    currency: card.currency,
    unallocated: card.unallocated,
    platform: card.platform ?? null,
    batchIds: batches.all,
    ...runContentOf(statement),
    warnings: [...statement.warnings, ...statement.unmatched.map((u) => `unmatched: ${u}`), ...anomalies],
    reconciled: failures.length === 0,
    createdAt: at,
  });
  const standing = standingOf(ledger, month, runId);
  const books = standing.kind === 'adjusts' ? findRun(ledger, month, standing.booksRunId) : null;
  const adjustments = books ? adjustmentsAgainst(books.lines, statement.lines) : [];
  if (close) closeMonth(ledger, { month, runId, startMs: range.startMs, endMs: range.endMs, closedAt: at });
  return { runId, statement, anomalies, noUsage, books, adjustments, failures };
}
