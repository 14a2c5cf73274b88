import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'csv-parse/sync';
import Database from 'better-sqlite3';
import { cliIn, fixture, workspace } from './cli.js';

/**
 * A scrape in vLLM v1's exposition layout (as a real `curl :8000/metrics` prints it: HELP and
 * TYPE lines, `engine` and `model_name` labels, `_created` gauges beside each counter,
 * request_success_total split by finished_reason, floats such as 8.0e+02), values ours; the
 * real scrape after traffic (AIBrix's documentation, Apache-2.0) is tested on its own below.
 */
function scrape(prompt: string, generation: string, stop: string, length: string, labels = ''): string {
  const l = `engine="0",${labels}model_name="Qwen/Qwen1.5-0.5B-Chat"`;
  return `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{${l}} 0.0
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{${l}} ${prompt}
# HELP vllm:prompt_tokens_created Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_created gauge
vllm:prompt_tokens_created{${l}} 1.7624384230435252e+09
# HELP vllm:generation_tokens_total Number of generation tokens processed.
# TYPE vllm:generation_tokens_total counter
vllm:generation_tokens_total{${l}} ${generation}
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",${labels}model_name="Qwen/Qwen1.5-0.5B-Chat"} ${stop}
vllm:request_success_total{engine="0",finished_reason="length",${labels}model_name="Qwen/Qwen1.5-0.5B-Chat"} ${length}
# HELP vllm:request_prompt_tokens Number of prefill tokens processed.
# TYPE vllm:request_prompt_tokens histogram
vllm:request_prompt_tokens_bucket{${l},le="1.0"} 0.0
vllm:request_prompt_tokens_count{${l}} 0.0
`;
}

const CARD = `version: 1
currency: USD
unallocated: CC-0000
cost_centres:
  - { id: CC-1, match: { team: [search], project: [search] } }
pools:
  - { id: calls, cost: { fixed: "40.00" }, method: proportional, driver: requests }
  - { id: tokens, cost: { fixed: "1040.00" }, method: proportional, driver: tokens }
`;

async function quantities(dir: string): Promise<string[][]> {
  writeFileSync(join(dir, 'card.yaml'), CARD);
  const compute = await cliIn(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
  assert.equal(compute.code, 0, compute.stderr);
  return (JSON.parse((await cliIn(dir, ['statement', '--month', '2026-10', '--format', 'json'])).stdout) as { lines: { pool: string; quantity: string }[] }).lines.map((l) => [l.pool, l.quantity]);
}

describe('vLLM /metrics counters (issue 16)', () => {
  it('usage is each series\' increase between scrapes; a restart is a counter reset; the first scrape is the baseline', async () => {
    const { dir } = workspace();
    const files: [string, string, string][] = [
      ['a.prom', scrape('1000.0', '500.0', '3.0', '1.0'), '10:00'],
      ['b.prom', scrape('1600.0', '8.0e+02', '5.0', '2.0'), '10:05'],
      ['c.prom', scrape('100.0', '40.0', '1.0', '0.0'), '10:10'], // the server restarted: counters start again
    ];
    for (const [name, text, at] of files) {
      writeFileSync(join(dir, name), text);
      const run = await cliIn(dir, ['ingest', join(dir, name), '--source', 'gateway', '--at', `2026-10-05T${at}:00Z`, '--set', 'team=search']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(vllm\): 4 rows read, 4 stored, 0 duplicate, 0 rejected/);
    }
    // 10:05: 600 in, 300 out, (5-3)+(2-1) = 3 requests; 10:10 (reset): 100 in, 40 out, 1 + 0 requests.
    assert.deepEqual(await quantities(dir), [['calls', '4'], ['tokens', '1040']]);
    assert.match((await cliIn(dir, ['batches', '--verify'])).stdout, /batch 3 .*: recorded 4 stored, 4 in the ledger: ok/);
  });

  it('a scrape read again (other bytes, same samples) counts nothing; an older one is refused, one line per sample', async () => {
    const { dir } = workspace();
    writeFileSync(join(dir, 'a.prom'), scrape('10', '5', '1', '0'));
    writeFileSync(join(dir, 'b.prom'), scrape('30', '9', '2', '0'));
    await cliIn(dir, ['ingest', join(dir, 'a.prom'), '--source', 'gateway', '--at', '2026-10-05T10:00:00Z', '--set', 'team=search']);
    await cliIn(dir, ['ingest', join(dir, 'b.prom'), '--source', 'gateway', '--at', '2026-10-05T10:05:00Z', '--set', 'team=search']);
    // Both scrapes again in one file, each with its time: every sample is already stored.
    writeFileSync(join(dir, 'both.prom'), `# ts=2026-10-05T10:00:00Z\n${scrape('10', '5', '1', '0')}# ts=2026-10-05T10:05:00Z\n${scrape('30', '9', '2', '0')}`);
    assert.match((await cliIn(dir, ['ingest', join(dir, 'both.prom'), '--source', 'gateway', '--set', 'team=search'])).stdout, /8 rows read, 0 stored, 8 duplicate/);
    const late = await cliIn(dir, ['ingest', join(dir, 'a.prom'), '--source', 'gateway', '--at', '2026-10-05T10:02:00Z', '--set', 'team=search', '--rejects', join(dir, 'r.csv')]);
    assert.equal(late.code, 1);
    const rejects = parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { sample: string; reason: string }[];
    assert.equal(rejects.length, 4);
    assert.match(rejects[0]!.reason, /older than this series' last sample \(2026-10-05T10:05:00\.000Z\): ingest scrapes in time order/);
    assert.match(rejects[0]!.sample, /^# ts=2026-10-05T10:02:00\.000Z\nvllm:prompt_tokens_total/);
    assert.deepEqual(await quantities(dir), [['calls', '1'], ['tokens', '24']]);
  });

  it('through Prometheus (/federate: own timestamps, namespace and pod labels): the namespace is the identity, no --set needed', async () => {
    const { dir } = workspace();
    const at = (ms: number, text: string) => text.replace(/^(vllm:(?:prompt_tokens|generation_tokens|request_success)_total\{.*\} \S+)$/gm, `$1 ${ms}`);
    const labels = 'namespace="search",pod="vllm-0",';
    writeFileSync(join(dir, 'f.prom'), at(Date.UTC(2026, 9, 5, 10), scrape('100', '10', '1', '0', labels)) + at(Date.UTC(2026, 9, 5, 11), scrape('1100', '30', '4', '1', labels)));
    const run = await cliIn(dir, ['ingest', join(dir, 'f.prom'), '--source', 'gateway']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /8 rows read, 8 stored/);
    assert.deepEqual(await quantities(dir), [['calls', '4'], ['tokens', '1020']]);
  });

  it('malformed twins: no identity, no model, a value that is no whole number, no time: one-line rejects', async () => {
    const { dir } = workspace();
    const text = `# ts=2026-10-05T10:00:00Z
vllm:prompt_tokens_total{engine="0",model_name="m"} 1
vllm:prompt_tokens_total{engine="0",namespace="a"} 1
vllm:prompt_tokens_total{engine="0",namespace="a",model_name="m"} 1.5
vllm:generation_tokens_total{engine="0",namespace="a",model_name="m"} NaN
`;
    writeFileSync(join(dir, 'bad.prom'), text);
    const run = await cliIn(dir, ['ingest', join(dir, 'bad.prom'), '--source', 'gateway', '--rejects', join(dir, 'r.csv')]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /4 rows read, 0 stored, 0 duplicate, 4 rejected/);
    const reasons = (parse(readFileSync(join(dir, 'r.csv'), 'utf8'), { columns: true }) as { line: string; reason: string }[]).map((r) => [r.line, r.reason]);
    assert.deepEqual(reasons, [
      ['2', 'field "namespace": no identity: the sample has no namespace label (pass --set team=… or project=…)'],
      ['3', 'field "model_name": no model: the sample has neither a model_name nor a model label'],
      ['4', 'field "vllm:prompt_tokens_total": expected a counter\'s whole number, got "1.5"'],
      ['5', 'field "vllm:generation_tokens_total": expected a counter\'s whole number, got "NaN"'],
    ]);
    writeFileSync(join(dir, 'untimed.prom'), scrape('1', '1', '1', '1'));
    const untimed = await cliIn(dir, ['ingest', join(dir, 'untimed.prom'), '--source', 'gateway', '--set', 'team=x', '--rejects', join(dir, 'r2.csv')]);
    assert.match(untimed.stdout, /0 stored, 0 duplicate, 4 rejected/);
    assert.match(readFileSync(join(dir, 'r2.csv'), 'utf8'), /no time: the sample has none and no ""# ts="" line came before it \(or pass --at\)/);
  });

  it('counts requests by outcome: stop, length and repetition were served; abort and error are failed requests, never charged as served (issue 31)', async () => {
    const { dir, ledger } = workspace();
    const withOutcomes = (abort: string, error: string, repetition: string) => (text: string) => text.replace(/^(vllm:request_success_total\{engine="0",finished_reason=)"length"(.*) (\S+)$/m,
      `$1"length"$2 $3\n$1"abort"$2 ${abort}\n$1"error"$2 ${error}\n$1"repetition"$2 ${repetition}`);
    const files: [string, string, string][] = [
      ['a.prom', withOutcomes('0.0', '0.0', '0.0')(scrape('1000.0', '500.0', '3.0', '1.0')), '10:00'],
      ['b.prom', withOutcomes('4.0', '2.0', '1.0')(scrape('1600.0', '8.0e+02', '5.0', '2.0')), '10:05'],
    ];
    for (const [name, text, at] of files) {
      writeFileSync(join(dir, name), text);
      const run = await cliIn(dir, ['ingest', join(dir, name), '--source', 'gateway', '--at', `2026-10-05T${at}:00Z`, '--set', 'team=search']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(vllm\): 7 rows read, 7 stored/);
    }
    // 10:05: served (5-3) stop + (2-1) length + 1 repetition = 4; failed 4 aborted + 2 errored = 6.
    assert.deepEqual(await quantities(dir), [['calls', '4'], ['tokens', '900']]);
    const db = new Database(ledger, { readonly: true });
    const byStatus = db.prepare('SELECT status, SUM(requests) AS requests FROM usage_events GROUP BY status ORDER BY status').all();
    db.close();
    assert.deepEqual(byStatus, [{ status: 'error', requests: 6 }, { status: 'ok', requests: 4 }]);
  });

  it('a file or Prometheus answer holding none of its counters is exit 1 and one line, nothing stored (issue 31)', async () => {
    const { dir } = workspace();
    const gauges = join(dir, 'gauges.prom');
    writeFileSync(gauges, scrape('1.0', '1.0', '1.0', '1.0').split('\n').filter((l) => !/_total\{/.test(l)).join('\n'));
    const answer = join(dir, 'up.json');
    writeFileSync(answer, JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: { __name__: 'vllm:num_requests_running', model_name: 'm' }, values: [[1791158400, '1']] }] } }));
    for (const file of [gauges, answer]) {
      const run = await cliIn(dir, ['ingest', file, '--source', 'gateway', '--format', 'vllm', '--at', '2026-10-05T10:00:00Z', '--set', 'team=search']);
      assert.equal(run.code, 1, run.stderr);
      assert.equal(run.stderr, `chargeback: ${file}: no usage counters: the file holds none of the metrics the vllm format reads; nothing was stored\n`);
    }
    assert.equal((await cliIn(dir, ['batches', '--format', 'csv'])).stdout.trim().split('\n').length, 1, 'no batch stored');
  });

  it('a real scrape after traffic (vLLM behind AIBrix, from its documentation): its counters since the server started are the usage', async () => {
    const { dir } = workspace();
    const real = readFileSync(fixture('data/gateway/vllm_metrics_qwen2.5-coder-1.5b_aibrix-docs.prom'), 'utf8');
    const counter = (metric: string) => Number(new RegExp(`^vllm:${metric}\\{[^}]*\\} (\\S+)$`, 'm').exec(real)![1]);
    // The same server as it started: vLLM registers its counters at 0 (the twin keeps every series, values zeroed).
    const started = real.replace(/^(vllm:(?:prompt_tokens|generation_tokens|request_success)_total\{[^}]*\}) \S+$/gm, '$1 0.0');
    writeFileSync(join(dir, 'started.prom'), started);
    for (const [file, at] of [[join(dir, 'started.prom'), '10:00'], [fixture('data/gateway/vllm_metrics_qwen2.5-coder-1.5b_aibrix-docs.prom'), '10:05']] as const) {
      const run = await cliIn(dir, ['ingest', file, '--source', 'gateway', '--at', `2026-10-05T${at}:00Z`, '--set', 'team=search']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /\(vllm\): 3 rows read, 3 stored, 0 duplicate, 0 rejected/);
    }
    // The independent figures: the scrape's own counters (148 prompt, 955 generated, 4 requests).
    const tokens = counter('prompt_tokens_total') + counter('generation_tokens_total');
    assert.deepEqual(await quantities(dir), [['calls', String(counter('request_success_total'))], ['tokens', String(tokens)]]);
  });
});
