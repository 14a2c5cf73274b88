import { createHash } from 'node:crypto';
import { ProblemFound, UsageError } from '../domain/errors.js';
import { parseMonth, periodOf } from '../domain/month.js';
import type { Ledger } from '../ledger/open.js';
import { scratchReplica } from '../ledger/replica.js';
import { findRunById } from '../ledger/runs.js';
import { parseRateCardText, storedCardFiles } from '../ratecard/load.js';
import type { Io } from './context.js';
import type { Look } from '../report/table.js';
import { render } from '../report/view.js';
import { RUN_VERIFIED_VIEW } from '../report/verify.js';
import { auditLinesOf, priceMonth, readMonthUsage, runContentOf } from './month-inputs.js';
import { toolVersion } from './version.js';

/**
 * `runs --verify RUN` (SPEC §5): rebuilds a ledger from exactly the batches the run read,
 * prices its month with the card text it stored, and compares the statement, the exact
 * decimals, the pool costs and the unpriced usage line by line. Silent on success but for
 * one line; the first difference is a ProblemFound (exit 1). Closes `ledger`.
 */
export function verifyRun(ledger: Ledger, runId: number, io: Io, format: string, look: Look): void {
  const run = findRunById(ledger, runId);
  if (!run) throw new UsageError(`no run ${runId}`);
  const { rateCardText: text, maxGapMs } = run;
  if (text === null || maxGapMs === null) {
    throw new ProblemFound(`run ${runId} was stored before runs kept their rate card text: it cannot be recomputed (compute the month again to get a verifiable run)`);
  }
  if (createHash('sha256').update(text, 'utf8').digest('hex') !== run.rateCardSha256) {
    throw new ProblemFound(`run ${runId}: its stored rate card text does not have the SHA-256 it recorded (${run.rateCardSha256.slice(0, 12)}): the run was altered`);
  }
  const card = parseRateCardText(text, run.rateCardFile, storedCardFiles(run.rateCardFiles));
  const replica = scratchReplica(ledger, run.batchIds);
  try {
    ledger.close();
    const period = periodOf(parseMonth(run.month)!, card.timezone);
    // A run stored with its lines' breakdowns (issue 30) is held to them too; one stored before, to its lines.
    const statement = priceMonth(replica.ledger, card, period, readMonthUsage(replica.ledger, card, period.range), maxGapMs, { withBreakdowns: run.views !== undefined || run.lines.some((l) => l.breakdown), anomaliesBy: run.views?.anomaliesBy ?? 'cost', commitments: run.views === undefined || run.views.commitments !== undefined });
    replica.discard();
    const stored = auditLinesOf(run.month, run.currency, run);
    const recomputed = auditLinesOf(run.month, card.currency, runContentOf(statement));
    const at = firstDifference(stored, recomputed);
    if (at !== null) {
      const version = run.toolVersion === toolVersion() ? '' : ` (run ${runId} was computed by chargeback ${run.toolVersion ?? 'unknown'}, this is ${toolVersion()})`;
      throw new ProblemFound(`run ${runId} differs when recomputed from its ${run.batchIds.length} batches and its card, at line ${at + 1}: ` +
        `stored ${stored[at] ?? '(nothing)'}, recomputed ${recomputed[at] ?? '(nothing)'}${version}`);
    }
    io.stdout(render(RUN_VERIFIED_VIEW, format, {
      runId, month: run.month, batchIds: run.batchIds, rateCardSha256: run.rateCardSha256, lines: run.lines.length, poolCosts: run.poolCosts.length,
      unpriced: run.unpriced.length, breakdowns: run.lines.filter((l) => l.breakdown).length, views: run.views !== undefined,
    }, look));
  } finally {
    replica.discard();
  }
}

function firstDifference(a: readonly string[], b: readonly string[]): number | null {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return null;
}
