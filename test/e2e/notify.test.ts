import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cliIn, fixture, workspace } from './cli.js';

/*
 * budgets --notify against a real HTTP server on a loopback port, started here: the demo's
 * October (CC-4100 has spent 21,781.38 by the 20th, forecast 21,790.20). Each threshold is
 * posted once across runs; a 500 is retried on the next run; a server that never answers is
 * cut off at the card's timeout and retried too. The URL's secret path is never printed.
 */
type Mode = 'ok' | 'fail-once' | 'hang';

function webhookServer() {
  const posts: { path: string; type: string; body: Record<string, unknown>; status: number | 'hung' }[] = [];
  let mode: Mode = 'ok';
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const post = { path: request.url ?? '', type: request.headers['content-type'] ?? '', body: JSON.parse(text) as Record<string, unknown>, status: 200 as number | 'hung' };
      posts.push(post);
      if (mode === 'hang') {
        post.status = 'hung';
        return;
      }
      if (mode === 'fail-once') {
        mode = 'ok';
        post.status = 500;
        response.writeHead(500).end('boom');
        return;
      }
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  return {
    posts,
    setMode: (m: Mode) => void (mode = m),
    listen: () => new Promise<string>((done) => server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/SECRET-TOKEN`))),
    close: () => new Promise<void>((done) => {
      server.closeAllConnections();
      server.close(() => done());
    }),
  };
}

const AS_OF = ['--as-of', '2026-10-20'];
const sent = (posts: { body: Record<string, unknown>; status: number | 'hung' }[]) => posts.map((p) => `${p.body.cost_centre} ${p.body.kind} ${p.body.threshold_pct} → ${p.status}`);

describe('budgets --notify', () => {
  const server = webhookServer();
  let url = '';
  let dir = '';
  let base = '';
  const card = (name: string, monthly: string, notify = '{ webhook: { url_env: CHARGEBACK_WEBHOOK_URL }, timeout_seconds: 1 }') => {
    const path = join(dir, name);
    writeFileSync(path, base.replace(/budgets:\n.*\n/, `notify: ${notify}\nbudgets:\n  - { cost_centre: CC-4100, monthly: "${monthly}", alert_at: [50, 80, 90, 100], hard: true }\n`));
    return path;
  };
  const budgets = (cardPath: string, args: string[] = AS_OF) => cliIn(dir, ['budgets', '-m', '2026-10', '-r', cardPath, '--notify', ...args], undefined, { CHARGEBACK_WEBHOOK_URL: url });

  before(async () => {
    url = await server.listen();
    ({ dir } = workspace());
    const example = join(dir, 'example.yaml');
    assert.equal((await cliIn(dir, ['init', '--example', example])).code, 0);
    base = readFileSync(example, 'utf8');
    for (const [file, source] of [['gateway-2026-10.csv', 'gateway'], ['api-2026-10.csv', 'gateway'], ['bills-2026-10.csv', 'billing']] as const) {
      assert.equal((await cliIn(dir, ['ingest', fixture(`demo/${file}`), '--source', source, '-q'])).code, 0);
    }
  });
  after(() => server.close());

  it('posts each newly crossed threshold once; a 500 is retried on the next run, and only then recorded', async () => {
    const path = card('card.yaml', '25000.00');
    server.setMode('fail-once');
    const first = await budgets(path);
    assert.equal(first.code, 1, 'a send that failed fails the cron job');
    assert.deepEqual(sent(server.posts), ['CC-4100 spend 50 → 500', 'CC-4100 spend 80 → 200']);
    assert.match(first.stderr, /^warning: not sent, retried on the next run: CC-4100 past 50%: webhook http:\/\/127\.0\.0\.1:\d+\/… answered HTTP 500$/m);
    assert.match(first.stderr, /^sent: CC-4100 past 80% \(webhook http:\/\/127\.0\.0\.1:\d+\/…\)$/m);
    assert.match(first.stderr, /^chargeback: 1 budget alert not delivered to webhook http:\/\/127\.0\.0\.1:\d+\/…$/m);

    const second = await budgets(path);
    assert.equal(second.code, 0, second.stderr);
    const third = await budgets(path);
    assert.equal(third.code, 0, third.stderr);
    assert.deepEqual(sent(server.posts), ['CC-4100 spend 50 → 500', 'CC-4100 spend 80 → 200', 'CC-4100 spend 50 → 200'], 'the retry, then nothing more');

    const post = server.posts[1]!;
    assert.equal(post.path, '/services/T000/SECRET-TOKEN');
    assert.equal(post.type, 'application/json');
    assert.equal(post.body.text, 'Budget alert: Search (CC-4100) has used 87.1% of its 2026-10 budget, past 80% (21781.38 of 25000.00 USD spent, forecast 21790.20)');
    assert.deepEqual([post.body.month, post.body.spent, post.body.budget, post.body.percent_used, post.body.forecast, post.body.currency], ['2026-10', '21781.38', '25000.00', '87.1', '21790.20', 'USD']);
    for (const run of [first, second, third]) assert.doesNotMatch(run.stdout + run.stderr, /SECRET-TOKEN|T000/);
    // The ledger keeps what was delivered, in the order it was: status lists it, the URL's secret left out.
    const status = await cliIn(dir, ['status', '-f', 'json']);
    const alerts = JSON.parse(status.stdout).budget_alerts as Record<string, string>[];
    assert.deepEqual(alerts.map((a) => [a.month, a.cost_centre, a.kind, a.threshold_pct]), [['2026-10', 'CC-4100', 'spend', '80'], ['2026-10', 'CC-4100', 'spend', '50']]);
    for (const a of alerts) assert.match(a.target!, /^webhook http:\/\/127\.0\.0\.1:\d+\/…$/);
    assert.match((await cliIn(dir, ['status', '--wide'])).stdout, /Budget alerts sent\n[^]*│ 2026-10 │ CC-4100 +│ past 80% │/);
  });

  it('a server that never answers is cut off at the timeout, and the alert is sent on the next run', async () => {
    const path = card('tighter.yaml', '22000.00');
    server.posts.length = 0;
    server.setMode('hang');
    const started = Date.now();
    const slow = await budgets(path);
    assert.ok(Date.now() - started < 8000, `bounded by timeout_seconds: 1, took ${Date.now() - started} ms`);
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /CC-4100 past 90%: webhook http:\/\/127\.0\.0\.1:\d+\/… no answer within 1 s$/m);
    server.setMode('ok');
    assert.equal((await budgets(path)).code, 0);
    assert.equal((await budgets(path)).code, 0);
    assert.deepEqual(sent(server.posts), ['CC-4100 spend 90 → hung', 'CC-4100 spend 90 → 200']);
  });

  it('the forecast over the budget is an alert of its own', async () => {
    server.posts.length = 0;
    const path = card('forecast.yaml', '21785.00');
    assert.equal((await budgets(path)).code, 0);
    assert.deepEqual(sent(server.posts), ['CC-4100 forecast 100 → 200']);
    assert.match(String(server.posts[0]!.body.text), /^Budget forecast: Search \(CC-4100\) is forecast to spend 21790\.20 USD in 2026-10, over its budget of 21785\.00/);
  });

  it('appends a JSON line to a file, or runs a command with the alert on stdin; a command that fails is retried', async () => {
    const other = workspace().dir;
    const run = (...args: string[]) => cliIn(other, args);
    for (const [file, source] of [['gateway-2026-10.csv', 'gateway'], ['api-2026-10.csv', 'gateway']] as const) await run('ingest', fixture(`demo/${file}`), '--source', source, '-q');
    const write = (name: string, notify: string) => {
      const path = join(other, name);
      writeFileSync(path, base.replace(/budgets:\n.*\n/, `notify: ${notify}\nbudgets:\n  - { cost_centre: CC-4100, monthly: "25000.00", alert_at: [80] }\n`));
      return path;
    };
    const fileCard = write('file.yaml', '{ file: alerts.jsonl }');
    assert.equal((await run('budgets', '-m', '2026-10', '-r', fileCard, '--notify', ...AS_OF)).code, 0);
    assert.equal((await run('budgets', '-m', '2026-10', '-r', fileCard, '--notify', ...AS_OF)).code, 0);
    const lines = readFileSync(join(other, 'alerts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.map((l) => [l.cost_centre, l.threshold_pct]), [['CC-4100', '80']]);

    // A second ledger's alerts are its own: the command target sends the same crossing there.
    const third = workspace().dir;
    for (const [file, source] of [['gateway-2026-10.csv', 'gateway'], ['api-2026-10.csv', 'gateway']] as const) await cliIn(third, ['ingest', fixture(`demo/${file}`), '--source', source, '-q']);
    const failing = write('failing.yaml', '{ command: "echo mail is down >&2; exit 3" }');
    const failed = await cliIn(third, ['budgets', '-m', '2026-10', '-r', failing, '--notify', ...AS_OF]);
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /CC-4100 past 80%: command "echo mail is down >&2; exit 3" exited 3: mail is down$/m);
    const working = write('working.yaml', '{ command: "cat >> piped.jsonl" }');
    assert.equal((await cliIn(third, ['budgets', '-m', '2026-10', '-r', working, '--notify', ...AS_OF])).code, 0);
    assert.equal((await cliIn(third, ['budgets', '-m', '2026-10', '-r', working, '--notify', ...AS_OF])).code, 0);
    const piped = readFileSync(join(other, 'piped.jsonl'), 'utf8').trim().split('\n');
    assert.equal(piped.length, 1);
    assert.equal(JSON.parse(piped[0]!).threshold_pct, '80');
  });

  it('refuses --notify without a target, and a webhook whose variable is not set, before pricing anything', async () => {
    const plain = join(dir, 'plain.yaml');
    writeFileSync(plain, base);
    const none = await cliIn(dir, ['budgets', '-m', '2026-10', '-r', plain, '--notify', ...AS_OF]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^chargeback: --notify: .*plain\.yaml has no notify: target \(webhook, file or command\)/);
    const unset = await cliIn(dir, ['budgets', '-m', '2026-10', '-r', card('unset.yaml', '25000.00'), '--notify', ...AS_OF]);
    assert.equal(unset.code, 2);
    assert.match(unset.stderr, /^chargeback: notify\.webhook\.url_env: CHARGEBACK_WEBHOOK_URL is not set: export the webhook's URL in it/);
    assert.equal(unset.stdout, '');
  });
});
