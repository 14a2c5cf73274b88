import { asCsv, asJson, type View } from './view.js';

/** A run recomputed and found byte-identical: what was compared. */
export interface RunVerifiedView {
  runId: number;
  month: string;
  batchIds: readonly number[];
  rateCardSha256: string;
  lines: number;
  poolCosts: number;
  unpriced: number;
  /** Lines whose breakdowns were compared, and whether the run's views were (issue 30). */
  breakdowns: number;
  views: boolean;
}

/** `runs --verify RUN`: one sentence, or the same as JSON. A difference is an error (exit 1), never this view. */
export const RUN_VERIFIED_VIEW: View<RunVerifiedView> = {
  table: (v) => `run ${v.runId} (${v.month}) is byte-identical when recomputed from its ${v.batchIds.length} batches ` +
    `[${v.batchIds.join(', ')}] and its rate card (sha256 ${v.rateCardSha256.slice(0, 12)}): ${v.lines} lines, ` +
    `${v.poolCosts} pool costs, ${v.unpriced} unpriced groups${v.breakdowns > 0 ? `, ${v.breakdowns} line breakdowns` : ''}${v.views ? ' and its views' : ''} compared\n`,
  json: (v) => asJson({
    run: v.runId, month: v.month, verified: true, batch_ids: v.batchIds, rate_card_sha256: v.rateCardSha256,
    compared: { lines: v.lines, pool_costs: v.poolCosts, unpriced: v.unpriced, breakdowns: v.breakdowns, views: v.views },
  }),
  csv: (v) => asCsv(['run', 'month', 'verified', 'batch_ids', 'rate_card_sha256', 'lines', 'pool_costs', 'unpriced', 'breakdowns', 'views'],
    [[v.runId, v.month, true, v.batchIds.join(' '), v.rateCardSha256, v.lines, v.poolCosts, v.unpriced, v.breakdowns, v.views]]),
};
