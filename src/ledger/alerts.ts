import type { AlertRow } from '../domain/alerts.js';
import type { Ledger } from './engine.js';

export type { AlertRow };

export interface SentAlert extends AlertRow {
  sentAt: string;
  target: string;
}

const WHERE = 'month = ? AND cost_centre = ? AND kind = ? AND threshold = ?';
const keyOf = (a: AlertRow) => [a.month, a.costCentre, a.kind, a.threshold];

/**
 * Claims an alert for sending: true when this run may send it. A new row is claimed by
 * whoever inserts it first; a claim older than `staleBefore` (its sender died or hung past
 * its timeout) is taken over by exactly one run, compare-and-swap on the claim. A sent alert
 * is never claimed again.
 */
export function claimAlert(db: Ledger, alert: AlertRow, claim: string, now: string, staleBefore: string): boolean {
  const inserted = db.prepare(`INSERT INTO budget_alerts (month, cost_centre, kind, threshold, state, claim, claimed_at)
    VALUES (?, ?, ?, ?, 'sending', ?, ?) ON CONFLICT DO NOTHING`).run(...keyOf(alert), claim, now).changes;
  if (inserted > 0) return true;
  return db.prepare(`UPDATE budget_alerts SET claim = ?, claimed_at = ? WHERE ${WHERE} AND state = 'sending' AND claimed_at < ?`)
    .run(claim, now, ...keyOf(alert), staleBefore).changes > 0;
}

/** Marks a claimed alert delivered: from now on no run sends it. */
export function markSent(db: Ledger, alert: AlertRow, claim: string, sentAt: string, target: string, message: string): void {
  db.prepare(`UPDATE budget_alerts SET state = 'sent', sent_at = ?, target = ?, message = ? WHERE ${WHERE} AND claim = ?`)
    .run(sentAt, target, message, ...keyOf(alert), claim);
}

/** Gives a claim back after a failed send, so the next run retries it. */
export function releaseClaim(db: Ledger, alert: AlertRow, claim: string): void {
  db.prepare(`DELETE FROM budget_alerts WHERE ${WHERE} AND claim = ? AND state = 'sending'`).run(...keyOf(alert), claim);
}

/** The alerts delivered, one month's or all, oldest first. */
export function sentAlerts(db: Ledger, month: string | null = null): SentAlert[] {
  return db.prepare(`SELECT month, cost_centre AS "costCentre", kind, threshold, sent_at AS "sentAt", target FROM budget_alerts
    WHERE state = 'sent' AND (CAST(? AS TEXT) IS NULL OR month = ?) ORDER BY sent_at, id`).all(month, month) as SentAlert[];
}
