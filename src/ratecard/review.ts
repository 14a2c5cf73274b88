import { checkKeys, describe, readDecimal, readMeasure, readRecord, type Issues } from '../domain/fields.js';
import { DEFAULT_ANOMALY_RULE } from '../domain/anomalies.js';
import type { Decimal } from '../domain/money.js';
import { DEFAULT_VARIANCE } from '../domain/variances.js';
import type { AnomalyRule, VarianceThreshold } from '../domain/types.js';

/**
 * What the monthly review looks at (issue 33):
 *
 *   variances: { pct: "10", amount: "500.00" }     # listed first: a change of both
 *   anomalies: { factor: "3", look_back_days: 7, min_amount: "50.00" }
 *
 * Each key may be left out: variances default to 10% of any amount, anomalies to 3× the
 * median of 7 days, of any amount.
 */
export function readVariances(value: unknown, issues: Issues): VarianceThreshold | undefined {
  const raw = readRecord(value, ['variances'], issues);
  if (!raw) return undefined;
  checkKeys(raw, ['pct', 'amount'], ['variances'], issues);
  const pct = raw.pct === undefined ? DEFAULT_VARIANCE.pct : readMeasure(raw.pct, ['variances', 'pct'], issues, false);
  const amount = raw.amount === undefined ? DEFAULT_VARIANCE.amount : readNonNegative(raw.amount, ['variances', 'amount'], issues);
  return pct && amount ? { pct, amount } : undefined;
}

export function readAnomalies(value: unknown, issues: Issues): AnomalyRule | undefined {
  const raw = readRecord(value, ['anomalies'], issues);
  if (!raw) return undefined;
  checkKeys(raw, ['factor', 'look_back_days', 'min_amount'], ['anomalies'], issues);
  const factor = raw.factor === undefined ? DEFAULT_ANOMALY_RULE.factor : readMeasure(raw.factor, ['anomalies', 'factor'], issues, true);
  if (factor && !factor.greaterThan(1)) issues.add(['anomalies', 'factor'], `expected more than 1 (a day at ${factor.toFixed()}× its median is ordinary), got "${factor.toFixed()}"`);
  const days = raw.look_back_days ?? DEFAULT_ANOMALY_RULE.lookBackDays;
  const lookBack = Number.isSafeInteger(days) && (days as number) >= 3 && (days as number) <= 31 ? (days as number) : null;
  if (lookBack === null) issues.add(['anomalies', 'look_back_days'], `expected a whole number of days from 3 to 31, got ${describe(days)}`);
  const minAmount = raw.min_amount === undefined ? DEFAULT_ANOMALY_RULE.minAmount : readNonNegative(raw.min_amount, ['anomalies', 'min_amount'], issues);
  return factor && factor.greaterThan(1) && lookBack !== null && minAmount ? { factor, lookBackDays: lookBack, minAmount } : undefined;
}

function readNonNegative(value: unknown, path: (string | number)[], issues: Issues): Decimal | null {
  const amount = readDecimal(value, path, issues);
  if (amount && amount.isNegative()) {
    issues.add(path, `expected an amount of 0 or more, got "${amount.toFixed()}"`);
    return null;
  }
  return amount;
}
