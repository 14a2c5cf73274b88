import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { chargeback, fixture, ROOT, workspace } from './cli.js';

/*
 * The HTML showback report (issue 19), opened in a real headless Chromium (Debian's
 * `chromium`, which .ci/run installs when it is missing; no Chromium is a failure, not a
 * skip). The month: the demo's 2,000 gateway requests with a `feature` tag, two hours of a
 * GPU's samples, and budgets. Screenshots for a reviewer go to test-output/report/.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-output/report');
const FEATURES = ['search-ranking', 'summarise', 'support-chat'];

function month() {
  const { dir } = workspace();
  const rows = readFileSync(fixture('demo/gateway-2026-10.csv'), 'utf8').trimEnd().split('\n');
  writeFileSync(join(dir, 'gateway.csv'), [`${rows[0]},tag.feature`, ...rows.slice(1).map((row, i) => `${row},${FEATURES[i % 3]}`)].join('\n') + '\n');
  const samples = Array.from({ length: 25 }, (_, i) => {
    const t = new Date(Date.UTC(2026, 9, 14, 9, i * 5));
    const wall = `${t.toISOString().slice(0, 10).replaceAll('-', '/')} ${t.toISOString().slice(11, 23)}`;
    return `${wall}, GPU-7f1d, ${i < 15 ? 90 : 0} %, 40000 MiB`;
  });
  writeFileSync(join(dir, 'gpu.csv'), `timestamp, uuid, utilization.gpu [%], memory.used [MiB]\n${samples.join('\n')}\n`);
  const card = readFileSync(fixture('demo/ratecard.yaml'), 'utf8') +
    '\n  - id: gpu-nodes\n    cost: { fixed: "1200.00" }\n    usage: { sources: [gpu] }\n    method: proportional\n    driver: gpu_hours\n' +
    '\nbudgets:\n  - { cost_centre: CC-4100, monthly: "20000.00", alert_pct: 80 }\n  - { cost_centre: CC-4200, monthly: "9000.00" }\n';
  writeFileSync(join(dir, 'card.yaml'), card);
  const run = (args: string[]) => chargeback(dir, args);
  assert.equal(run(['ingest', join(dir, 'gateway.csv'), '--source', 'gateway']).code, 0);
  assert.equal(run(['ingest', join(dir, 'gpu.csv'), '--source', 'gpu', '--host', 'gpu-node-1']).code, 0);
  const compute = run(['compute', '-m', '2026-10', '-r', join(dir, 'card.yaml')]);
  assert.ok(compute.code === 0, compute.stderr);
  return { dir, run };
}

/** Every `data-*` amount on the page, by what it names. */
function amountsOn(html: string, attribute: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const m of html.matchAll(new RegExp(`${attribute}="([^"]*)" data-amount="([^"]*)"`, 'g'))) found.set(m[1]!.replaceAll('&#124;', '|'), m[2]!);
  return found;
}

describe('chargeback report: one self-contained HTML file (issue 19)', () => {
  const { dir, run } = month();
  const page = join(dir, 'showback.html');
  let browser: Browser;
  let html = '';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const written = run(['report', '-m', '2026-10', '--by', 'tag.feature', '-o', page]);
    assert.equal(written.code, 0, written.stderr);
    html = readFileSync(page, 'utf8');
    mkdirSync(SHOTS, { recursive: true });
  });
  after(() => browser?.close());

  it('needs nothing from outside: no script, no link, no URL but the SVG namespace, a policy forbidding requests', () => {
    assert.doesNotMatch(html, /<script|<link|<img|@import|url\(/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>)]+/g)].map((m) => m[0]);
    assert.deepEqual([...new Set(urls)].sort(), ['http://www.w3.org/1999/xlink', 'http://www.w3.org/2000/svg']);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
  });

  it('shows every statement amount exactly as statement --format json has it', () => {
    const statement = JSON.parse(run(['statement', '-m', '2026-10', '-f', 'json']).stdout) as { total: string; lines: { cost_centre: string; pool: string; method: string; amount: string }[] };
    const lines = amountsOn(html, 'data-line');
    assert.deepEqual(lines, new Map(statement.lines.map((l) => [`${l.cost_centre}|${l.pool}|${l.method}`, l.amount])));
    const centres = new Map<string, string>();
    for (const l of statement.lines) centres.set(l.cost_centre, (Number(centres.get(l.cost_centre) ?? 0) * 100 + Math.round(Number(l.amount) * 100)) / 100 + '');
    const totals = amountsOn(html, 'data-centre-total');
    assert.deepEqual([...totals.keys()].sort(), [...centres.keys()].sort());
    for (const [centre, amount] of totals) {
      const own = statement.lines.filter((l) => l.cost_centre === centre).reduce((cents, l) => cents + BigInt(l.amount.replace('.', '')), 0n);
      assert.equal(BigInt(amount.replace('.', '')), own, centre);
    }
    assert.match(html, new RegExp(`data-total="${statement.total.replace('.', '\\.')}"`));
  });

  it('loads in Chromium with no failed or external request and no console error, every figure in place', async () => {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const requests: string[] = [];
    const failed: string[] = [];
    const errors: string[] = [];
    tab.on('request', (r) => requests.push(r.url()));
    tab.on('requestfailed', (r) => failed.push(r.url()));
    tab.on('console', (m) => void (m.type() === 'error' && errors.push(m.text())));
    tab.on('pageerror', (e) => errors.push(e.message));
    await tab.goto(`file://${page}`);
    assert.deepEqual(requests, [`file://${page}`]);
    assert.deepEqual([failed, errors], [[], []]);
    const text = await tab.innerText('body');
    for (const heading of ['Cost by cost centre', 'Daily spend per cost centre', 'Unit economics', 'Cost per request by feature', 'GPU', 'Provenance']) assert.ok(text.includes(heading), heading);
    for (const feature of FEATURES) assert.ok(text.includes(feature), feature);
    assert.match(text, /gpu-node-1/);
    // The trend, cost by centre, budgets, daily spend, unit costs, unit cost over time and GPU hours.
    assert.deepEqual(await tab.locator('figure').evaluateAll((all) => all.map((f) => f.id)), ['trend', 'cost-by-centre', 'budgets', 'daily-spend', 'unit-costs', 'unit-trend', 'gpu-hours']);
    assert.equal(await tab.locator('figure svg').count(), 7);
    assert.equal(await tab.locator('figure [role="img"][aria-label]').count(), 7);
    assert.equal(await tab.locator('figure table').count(), 7);
    assert.equal(await tab.locator('section.centre').count(), 4);
    await tab.screenshot({ path: join(SHOTS, 'showback-top.png') });
    await tab.screenshot({ path: join(SHOTS, 'showback-full.png'), fullPage: true });
    await tab.close();
  });

  it('prints to PDF on A4 and on Letter, no cost centre split across pages, nothing wider than the page', async () => {
    const tab = await browser.newPage();
    await tab.goto(`file://${page}`);
    await tab.emulateMedia({ media: 'print' });
    // The printable width of A4 and of Letter at the page's 12 mm margins, in CSS pixels.
    for (const width of [703, 725]) {
      await tab.setViewportSize({ width, height: 1000 });
      const over = await tab.evaluate(() => [...document.querySelectorAll('table, svg, pre, .tile')]
        .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((e) => e.outerHTML.slice(0, 80)));
      assert.deepEqual(over, [], `wider than ${width}px in print`);
    }
    assert.deepEqual(await tab.locator('section.centre').evaluateAll((all) => [...new Set(all.map((c) => getComputedStyle(c).breakInside))]), ['avoid']);
    assert.equal(await tab.locator('details').first().isVisible(), false, 'each line\'s working is left out of the printout');
    for (const format of ['A4', 'Letter'] as const) {
      const pdf = await tab.pdf({ format, printBackground: true });
      writeFileSync(join(SHOTS, `showback-${format}.pdf`), pdf);
      assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
      const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
      assert.ok(pages >= 3 && pages <= 8, `${format}: ${pages} pages for 4 centres, the overview and provenance`);
    }
    await tab.close();
  });

  it('--cost-centre writes one centre\'s page; explain --by tag.feature gives the same unit costs as CSV', () => {
    const one = join(dir, 'cc-4100.html');
    assert.equal(run(['report', '-m', '2026-10', '--cost-centre', 'CC-4100', '-o', one]).code, 0);
    const only = readFileSync(one, 'utf8');
    assert.deepEqual([...amountsOn(only, 'data-centre-total').keys()], ['CC-4100']);
    const csv = run(['explain', '-m', '2026-10', '--by', 'tag.feature', '-f', 'csv']).stdout.trim().split('\n');
    assert.equal(csv[0], 'key,requests,tokens,cost,cost_per_request,cost_per_million_tokens');
    for (const row of csv.slice(1)) {
      const [key, , , cost, perRequest] = row.split(',');
      assert.ok(html.includes(`<td>${key}</td>`), `${key} in the page`);
      // Four significant digits on the page, the exact decimal in its tooltip (issue 33).
      assert.ok(html.includes(`title="${perRequest!.replace(/\.?0+$/, '')}"`), `${key}: ${perRequest} per request in the page`);
      assert.ok(html.includes(Number(cost).toLocaleString('en-US', { minimumFractionDigits: 2 })), `${key}: ${cost}`);
    }
    assert.equal(run(['report', '-m', '2026-10', '--by', 'feature']).code, 2);
    assert.equal(run(['report', '-m', '2026-10', '--cost-centre', 'CC-9']).stderr, 'chargeback: cost centre CC-9 has no lines in run 1 for 2026-10\n');
  });
});
