import { checkKeys, describe, readMeasure, readRecord, readString, type FieldPath, type Issues } from '../domain/fields.js';
import type { Decimal } from '../domain/money.js';
import type { NotifyTarget, NotifyTo } from '../domain/types.js';

const DEFAULT_TIMEOUT_SECONDS = 10;
const TARGETS = ['webhook', 'file', 'command'] as const;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Where budget alerts go (issue 35), one target:
 *
 *   notify:
 *     webhook: { url_env: CHARGEBACK_WEBHOOK_URL }   # or url_file: PATH
 *     # file: alerts.jsonl                           # a JSON line appended per alert
 *     # command: "mail -s 'budget alert' finance@example.com"   # the alert on stdin
 *     timeout_seconds: 10
 *
 * A webhook's URL may carry a secret, so the card names where it is, never the URL.
 */
export function readNotify(value: unknown, issues: Issues): NotifyTarget | undefined {
  const path = ['notify'];
  const raw = readRecord(value, path, issues);
  if (!raw) return undefined;
  checkKeys(raw, [...TARGETS, 'timeout_seconds'], path, issues);
  const given = TARGETS.filter((t) => raw[t] !== undefined);
  if (given.length !== 1) {
    issues.add(path, `expected one target: webhook, file or command${given.length > 1 ? `, got ${given.join(' and ')}` : ''}`);
    return undefined;
  }
  const target = readTarget(raw, given[0]!, issues);
  const seconds = raw.timeout_seconds === undefined ? DEFAULT_TIMEOUT_SECONDS : readTimeout(raw.timeout_seconds, [...path, 'timeout_seconds'], issues);
  return seconds === null || target === undefined ? undefined : { ...target, timeoutMs: Number(seconds) * 1000 };
}

function readTarget(raw: Record<string, unknown>, kind: (typeof TARGETS)[number], issues: Issues): NotifyTo | undefined {
  const path = ['notify'];
  if (kind === 'file') {
    const file = readString(raw.file, [...path, 'file'], issues);
    return file ? { kind, path: file } : undefined;
  }
  if (kind === 'command') {
    const command = readString(raw.command, [...path, 'command'], issues);
    return command ? { kind, command } : undefined;
  }
  return readWebhook(raw.webhook, [...path, 'webhook'], issues);
}

function readWebhook(value: unknown, path: FieldPath, issues: Issues): NotifyTo | undefined {
  if (typeof value === 'string') {
    issues.add(path, 'expected { url_env: NAME } or { url_file: PATH }, got a URL: it may carry a secret, so the card says where to read it');
    return undefined;
  }
  const raw = readRecord(value, path, issues);
  if (!raw) return undefined;
  checkKeys(raw, ['url_env', 'url_file'], path, issues);
  if ((raw.url_env === undefined) === (raw.url_file === undefined)) {
    issues.add(path, 'expected one of url_env (an environment variable) or url_file (a file holding the URL)');
    return undefined;
  }
  if (raw.url_env !== undefined) {
    const name = readString(raw.url_env, [...path, 'url_env'], issues);
    if (name && ENV_NAME.test(name)) return { kind: 'webhook', urlEnv: name };
    if (name) issues.add([...path, 'url_env'], `expected an environment variable's name, got ${describe(name)}`);
    return undefined;
  }
  const file = readString(raw.url_file, [...path, 'url_file'], issues);
  return file ? { kind: 'webhook', urlFile: file } : undefined;
}

function readTimeout(value: unknown, path: FieldPath, issues: Issues): Decimal | null {
  const seconds = readMeasure(value, path, issues, true);
  if (seconds && seconds.greaterThan(600)) {
    issues.add(path, `expected at most 600 seconds (a cron job must not hang), got ${seconds.toFixed()}`);
    return null;
  }
  return seconds;
}

/**
 * `alert_at: [80, 90, 100]`: percents of the budget, each above 0, ascending, none twice.
 * Null (with the issue added) when any is not.
 */
export function readAlertAt(value: unknown, path: FieldPath, issues: Issues): Decimal[] | null {
  if (!Array.isArray(value) || value.length === 0) {
    issues.add(path, `expected a list of percents such as [80, 90, 100], got ${describe(value)}`);
    return null;
  }
  const percents = value.map((v, i) => readMeasure(v, [...path, i], issues, true));
  if (percents.some((p) => p === null)) return null;
  const list = percents as Decimal[];
  const unordered = list.findIndex((p, i) => i > 0 && !p.greaterThan(list[i - 1]!));
  if (unordered >= 0) {
    issues.add([...path, unordered], `expected percents in ascending order, each once: ${list[unordered]!.toFixed()} follows ${list[unordered - 1]!.toFixed()}`);
    return null;
  }
  return list;
}
