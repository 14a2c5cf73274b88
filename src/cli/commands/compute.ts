import type { Command } from 'commander';
import { reconciliationFailures, UNMATCHED_LISTED } from '../../domain/compute.js';
import { ProblemFound, ReconciliationError, UsageError } from '../../domain/errors.js';
import { formatQuantity } from '../../domain/money.js';
import { monthInEffect, periodOf, type Period } from '../../domain/month.js';
import type { RateCard, Statement } from '../../domain/types.js';
import { closedMonth, closeMonth, findRun, standingOf, storeRun, type StoredRun } from '../../ledger/runs.js';
import type { Ledger } from '../../ledger/open.js';
import { adjustmentsAgainst, type Adjustment } from '../../domain/adjustments.js';
import { formatAmount } from '../../domain/money.js';
import { inSnapshot } from '../../ledger/open.js';
import { anomaliesOf, batchesRead, priceMonth, readMonthUsage, runContentOf } from '../month-inputs.js';
import { toolVersion } from '../version.js';
import { readRateCard } from '../../ratecard/load.js';
import { poolCostAsJson, poolCostsAsText } from '../../report/pool-costs.js';
import { printable } from '../../report/cells.js';
import { statementAsTable } from '../../report/showback.js';
import { outOfRange } from './ratecard.js';
import { maxGapOption, requireMaxGap, requireMonth, useLedger, wantsColour, type GlobalOptions, type Io } from '../context.js';

/**
 * `chargeback compute --month M --rate-card FILE`: read the card and the month's usage,
 * allocate, store the run, print the showback table. Exit 1 on unpriced usage or a run
 * that does not reconcile (the run is stored either way, for audit).
 */
export function registerCompute(program: Command, io: Io): void {
  program
    .command('compute')
    .description('allocate a month with a rate card, store the statement run, print the showback table')
    .requiredOption('--month <YYYY-MM>', 'the month to allocate')
    .requiredOption('--rate-card <file>', 'the rate card YAML')
    .addOption(maxGapOption())
    .option('--close', 'close the month on this run: later rows dated in it are refused unless allowed')
    .option('--verbose', `list every unmatched identity and unpriced group (default: the first ${UNMATCHED_LISTED} and a count)`)
    .action((flags: { month: string; rateCard: string; maxGap: string; close?: boolean; verbose?: boolean }, command: Command) => {
      const listed = flags.verbose ? Infinity : UNMATCHED_LISTED;
      const maxGapMs = requireMaxGap(flags.maxGap);
      const month = requireMonth(flags.month);
      const { card, sha256, file, text } = readRateCard(flags.rateCard);
      if (!monthInEffect(month, card.effectiveFrom, card.effectiveTo)) throw outOfRange(file, month.label, card);
      const ledger = useLedger(command.optsWithGlobals<GlobalOptions>(), io);
      const store = () => computeAndStore(ledger, { period: periodOf(month, card.timezone), card, sha256, file, text, maxGapMs, listed, close: flags.close ?? false, now: io.now() });
      // A close reads and writes under the write lock: no batch commits rows into the month
      // between what the closed run read and the close, and a second close waits, then fails.
      let outcome: Stored;
      try {
        outcome = flags.close ? ledger.transaction(store).immediate() : store();
      } finally {
        ledger.close();
      }
      const { runId, statement, anomalies, noUsage, books, adjustments, failures } = outcome;

      io.stdout(statementAsTable(
        { runId, month: month.label, currency: card.currency, lines: statement.lines },
        { colour: wantsColour(io), unallocated: card.unallocated, reconciliation: statement.reconciliation },
      ));
      io.stdout(poolCostsAsText(statement.poolCosts.map(poolCostAsJson)));
      if (books) io.stdout(adjustmentsAsText(month.label, runId, books.id, adjustments));
      if (flags.close) io.stdout(`${month.label} closed on run ${runId}: later rows dated in it are refused unless --allow-closed\n`);
      reportWarnings(statement, io);
      for (const anomaly of anomalies) io.stderr(`warning: ${anomaly}\n`);
      if (failures.length > 0) throw new ReconciliationError(`run ${runId} does not reconcile: ${failures.join('; ')}`);
      if (noUsage) {
        throw new ProblemFound(`${month.label} has no usage events (no gateway requests, no GPU samples in ${card.timezone}): ` +
          `run ${runId} charges every pool's cost to ${card.unallocated}; ingest the month's logs and compute again`);
      }
      if (statement.unpriced.length > 0 && card.unpriced === 'error') {
        io.stdout(unpricedSection(statement, listed));
        throw new ProblemFound(
          `run ${runId} has unpriced usage (${statement.unpriced.length} group${statement.unpriced.length === 1 ? '' : 's'} that no pool takes): ` +
            'add a pool for it, or set "unpriced: ignore" in the card',
        );
      }
    });
}

function unpricedSection(statement: Statement, listed: number): string {
  const rest = statement.unpriced.length - Math.min(listed, statement.unpriced.length);
  const rows = statement.unpriced.slice(0, listed).map(
    (u) =>
      `  ${u.model || '(no model)'}  ${u.identity}  requests=${formatQuantity(u.quantities.requests)} ` +
      `input_tokens=${formatQuantity(u.quantities.input_tokens)} output_tokens=${formatQuantity(u.quantities.output_tokens)}`,
  );
  const more = rest > 0 ? `\n  … ${rest} more group${rest === 1 ? '' : 's'} (compute --verbose lists them all; the run keeps them)` : '';
  return `Unpriced usage (no pool takes it; never priced at zero):\n${rows.map(printable).join('\n')}${more}\n`;
}

function reportWarnings(statement: Statement, io: Io): void {
  for (const warning of statement.warnings) io.stderr(`warning: ${printable(warning)}\n`);
  if (statement.unmatched.length > 0) {
    io.stderr(`warning: usage matched no cost centre: ${printable(statement.unmatched.join('; '))}\n`);
  }
}

function adjustmentsAsText(month: string, runId: number, booksRunId: number, adjustments: readonly Adjustment[]): string {
  const head = `${month} is closed: run ${runId} adjusts the books so far (run ${booksRunId})`;
  if (adjustments.length === 0) return `${head}; it changes nothing\n`;
  const rows = adjustments.map((a) => `  ${a.costCentre}: ${a.amount.isNegative() ? '' : '+'}${formatAmount(a.amount)}`);
  return `${head}; adjustments against it:\n${rows.join('\n')}\n` +
    `Post only the differences: chargeback export erp --month ${month} --adjustments [--period YYYY-MM]\n`;
}

interface Stored {
  runId: number;
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
  maxGapMs: number;
  listed: number;
  close: boolean;
  now: Date;
}

/** Reads the month in one snapshot, prices it, stores the run, and closes the month if asked. */
function computeAndStore(ledger: Ledger, job: ComputeJob): Stored {
  const { period, card, maxGapMs, listed, close } = job;
  const { range, month: { label: month } } = period;
  const closed = closedMonth(ledger, month);
  if (closed && close) throw new UsageError(`${month} is already closed, on run ${closed.runId}`);
  const { statement, anomalies, batches } = inSnapshot(ledger, () => {
    const batches = batchesRead(ledger, period);
    const usage = readMonthUsage(ledger, card, range);
    return { batches, statement: priceMonth(ledger, card, period, usage, maxGapMs, { listed }), anomalies: anomaliesOf(card, month, usage) };
  });
  const noUsage = batches.usage.length === 0 && batches.gpu.length === 0;
  if (noUsage && close) {
    throw new ProblemFound(`${month} has no usage events (no gateway requests, no GPU samples in ${card.timezone}): not closing it; ingest the month's logs first`);
  }
  const failures = reconciliationFailures(statement);
  const runId = storeRun(ledger, {
    month,
    rateCardSha256: job.sha256,
    rateCardFile: job.file,
    rateCardText: job.text,
    toolVersion: toolVersion(),
    maxGapMs,
    currency: card.currency,
    unallocated: card.unallocated,
    platform: card.platform ?? null,
    batchIds: batches.all,
    ...runContentOf(statement),
    warnings: [...statement.warnings, ...statement.unmatched.map((u) => `unmatched: ${u}`), ...anomalies],
    reconciled: failures.length === 0,
    createdAt: job.now.toISOString(),
  });
  const standing = standingOf(ledger, month, runId);
  const books = standing.kind === 'adjusts' ? findRun(ledger, month, standing.booksRunId) : null;
  const adjustments = books ? adjustmentsAgainst(books.lines, statement.lines) : [];
  if (close) closeMonth(ledger, { month, runId, startMs: range.startMs, endMs: range.endMs, closedAt: job.now.toISOString() });
  return { runId, statement, anomalies, noUsage, books, adjustments, failures };
}
