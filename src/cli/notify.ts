/*
 * Sending budget alerts (issue 35): where to, how, and the once-only bookkeeping around each
 * send. The ledger claims an alert before it is sent and marks it sent only once delivered;
 * a failed send gives its claim back, so the next run retries it.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { alertMessage, alertRow, alertsCrossed, rowKey, type AlertMessage, type BudgetAlert } from '../domain/alerts.js';
import type { BudgetReport } from '../domain/budgets.js';
import { FileError, UsageError } from '../domain/errors.js';
import type { NotifyTarget, RateCard } from '../domain/types.js';
import { claimAlert, markSent, releaseClaim, sentAlerts } from '../ledger/alerts.js';
import type { Ledger } from '../ledger/open.js';
import type { Io } from './context.js';

/** How alerts reach their target: `target` names it without any secret. */
export interface Delivery {
  target: string;
  timeoutMs: number;
  send(message: AlertMessage): Promise<void>;
}

/** A send that did not deliver: why, in words that carry no secret. */
export class DeliveryFailed extends Error {}

/** The delivery the card's `notify:` describes; paths are relative to the card's folder. */
export function deliveryFor(target: NotifyTarget, cardFile: string, env: Readonly<Record<string, string | undefined>>): Delivery {
  const folder = dirname(cardFile);
  const { timeoutMs } = target;
  switch (target.kind) {
    case 'file': {
      const path = resolve(folder, target.path);
      return { target: `file ${path}`, timeoutMs, send: async (message) => appendLine(path, message) };
    }
    case 'command':
      return { target: `command "${target.command}"`, timeoutMs, send: (message) => runCommand(target.command, folder, message, timeoutMs) };
    case 'webhook': {
      const url = webhookUrl(target, folder, env);
      return { target: `webhook ${redacted(url)}`, timeoutMs, send: (message) => post(url, message, timeoutMs) };
    }
  }
}

/** The webhook's URL from the environment or a file; checked, never echoed in full. */
function webhookUrl(target: Extract<NotifyTarget, { kind: 'webhook' }>, folder: string, env: Readonly<Record<string, string | undefined>>): URL {
  let text: string;
  let from: string;
  if ('urlEnv' in target) {
    from = `notify.webhook.url_env: ${target.urlEnv}`;
    text = env[target.urlEnv]?.trim() ?? '';
    if (text === '') throw new UsageError(`${from} is not set: export the webhook's URL in it`);
  } else {
    const path = resolve(folder, target.urlFile);
    from = `notify.webhook.url_file: ${path}`;
    try {
      text = readFileSync(path, 'utf8').trim();
    } catch (error) {
      throw FileError.from(error, path, "read the webhook's URL");
    }
  }
  const url = URL.canParse(text) ? new URL(text) : null;
  if (!url || !['http:', 'https:'].includes(url.protocol)) throw new UsageError(`${from}: expected an http or https URL (not shown: it may carry a secret)`);
  return url;
}

/** A URL as it may be printed: its scheme and host, never its path, query or credentials (where a token lives). */
export const redacted = (url: URL): string => `${url.protocol}//${url.host}/…`;

async function post(url: URL, message: AlertMessage, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(message), signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') throw new DeliveryFailed(`no answer within ${timeoutMs / 1000} s`);
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new DeliveryFailed(`could not connect (${cause?.code ?? (error as Error).message})`);
  }
  await response.arrayBuffer().catch(() => undefined);
  if (!response.ok) throw new DeliveryFailed(`answered HTTP ${response.status}`);
}

function appendLine(path: string, message: AlertMessage): void {
  try {
    appendFileSync(path, `${JSON.stringify(message)}\n`);
  } catch (error) {
    throw new DeliveryFailed(`cannot append: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

function runCommand(command: string, cwd: string, message: AlertMessage, timeoutMs: number): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new DeliveryFailed(`did not finish within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      clearTimeout(timer);
      fail(new DeliveryFailed(`could not start: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return done();
      const said = stderr.trim().split('\n')[0] ?? '';
      fail(new DeliveryFailed(`${signal ? `ended by ${signal}` : `exited ${code}`}${said ? `: ${said}` : ''}`));
    });
    child.stdin.end(`${JSON.stringify(message)}\n`);
  });
}

export interface NotifyOutcome {
  sent: BudgetAlert[];
  failed: { alert: BudgetAlert; why: string }[];
}

/**
 * Sends each alert not yet delivered, once: claimed in the ledger first (another run or host
 * sending it leaves it alone), marked sent when delivered, its claim given back when not.
 * A claim older than the send's timeout and a minute is a sender that died: taken over.
 */
export async function sendAlerts(ledger: Ledger, due: readonly { alert: BudgetAlert; message: AlertMessage }[], delivery: Delivery, now: () => Date): Promise<NotifyOutcome> {
  const outcome: NotifyOutcome = { sent: [], failed: [] };
  const month = due[0]?.alert.month;
  const done = new Set(month === undefined ? [] : sentAlerts(ledger, month).map(rowKey));
  for (const { alert, message } of due) {
    const row = alertRow(alert);
    if (done.has(rowKey(row))) continue;
    const claim = randomUUID();
    const at = now();
    if (!claimAlert(ledger, row, claim, at.toISOString(), new Date(at.getTime() - delivery.timeoutMs - 60_000).toISOString())) continue;
    try {
      await delivery.send(message);
    } catch (error) {
      releaseClaim(ledger, row, claim);
      if (!(error instanceof DeliveryFailed)) throw error;
      outcome.failed.push({ alert, why: error.message });
      continue;
    }
    markSent(ledger, row, claim, now().toISOString(), delivery.target, JSON.stringify(message));
    outcome.sent.push(alert);
  }
  return outcome;
}

/** The card's delivery, made before anything is priced: a card without a target, or a URL not set, is a usage error at once. */
export function cardDelivery(card: RateCard, cardFile: string, env: Io['env']): Delivery {
  if (!card.notify) throw new UsageError(`--notify: ${cardFile} has no notify: target (webhook, file or command)`);
  return deliveryFor(card.notify, cardFile, env);
}

/** `budgets --notify`: every alert the budgets stand past, each sent once. */
export async function notifyBudgets(ledger: Ledger, card: RateCard, delivery: Delivery, month: string, reports: readonly BudgetReport[], asOf: number,
  now: () => Date): Promise<NotifyOutcome> {
  const nameOf = (id: string) => card.costCentres.find((c) => c.id === id)?.name ?? '';
  const due = alertsCrossed(month, card.budgets, reports).map((alert) => ({
    alert, message: alertMessage(alert, reports.find((r) => r.costCentre === alert.costCentre)!, nameOf(alert.costCentre), card.currency, asOf),
  }));
  return sendAlerts(ledger, due, delivery, now);
}

/** One line per alert: what was sent where, or why it was not (it is retried on the next run). */
export function describeAlert(alert: BudgetAlert): string {
  return alert.kind === 'forecast' ? `${alert.costCentre} forecast over budget` : `${alert.costCentre} past ${alert.threshold.toFixed()}%`;
}
