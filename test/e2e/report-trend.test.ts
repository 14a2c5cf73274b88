import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { fixture, inProcess, ROOT, workspace } from './cli.js';

/*
 * The report a manager opens first (issue 33), on five centres over three months: August
 * closed, September open, October with a run made mid-month and the books after it. Every
 * figure is held to `statement --format json` of its month; the page is opened and printed
 * in Debian's headless Chromium (no Chromium is a failure, not a skip).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = join(ROOT, 'test-output/report');
const FEATURES = ['search-ranking', 'summarise', 'support-chat'];
const NAMES = new Map([['CC-4100', 'Search'], ['CC-4150', 'Search evaluation'], ['CC-4200', 'Support bots'], ['CC-4300', 'Research'], ['CC-0000', 'CC-0000']]);

/** The demo's October, moved to `month` (days past its end on its last day), ids made unique, rows kept by `keep`. */
function monthOf(rows: string[], month: string, lastDay: number, keep: (row: string, i: number) => boolean): string[] {
  return rows.filter(keep).map((row, i) => {
    const day = Math.min(Number(row.slice(8, 10)), lastDay);
    return `${month}-${String(day).padStart(2, '0')}${row.slice(10).replace(',conv-', `,${month}-`)},${FEATURES[i % 3]}`;
  });
}

async function months() {
  const { dir, ledger } = workspace();
  const [header, ...rows] = readFileSync(fixture('demo/gateway-2026-10.csv'), 'utf8').trimEnd().split('\n');
  const research = (row: string) => row.includes(',research,');
  const support = (row: string) => row.includes(',support,');
  const files = {
    aug: monthOf(rows, '2026-08', 31, (r, i) => !support(r) || i % 2 === 0),
    sep: monthOf(rows, '2026-09', 30, (r, i) => !research(r) || i % 3 === 0),
    oct: monthOf(rows, '2026-10', 31, () => true),
  };
  for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, `${name}.csv`), [`${header},tag.feature`, ...lines].join('\n') + '\n');
  const card = readFileSync(fixture('demo/ratecard.yaml'), 'utf8')
    .replace('match: { team: [search, search-eval] }', 'match: { team: [search] }\n  - id: CC-4150\n    name: Search evaluation\n    match: { team: [search-eval] }') +
    '\nbudgets:\n  - { cost_centre: CC-4100, monthly: "20000.00" }\n  - { cost_centre: CC-4200, monthly: "9000.00" }\n  - { cost_centre: CC-4300, monthly: "16000.00" }\n' +
    'variances: { pct: "10", amount: "500.00" }\n';
  writeFileSync(join(dir, 'card.yaml'), card);
  const at = (now: string) => inProcess(ledger, now);
  const run = at('2026-11-15T12:00:00Z');
  for (const name of Object.keys(files)) assert.equal((await run('ingest', join(dir, `${name}.csv`), '--source', 'gateway')).code, 0);
  const computed = [
    await at('2026-09-03T08:00:00Z')('compute', '-m', '2026-08', '-r', join(dir, 'card.yaml'), '--close'),
    await at('2026-10-02T08:00:00Z')('compute', '-m', '2026-09', '-r', join(dir, 'card.yaml')),
    await at('2026-10-16T08:00:00Z')('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml')),
    await run('compute', '-m', '2026-10', '-r', join(dir, 'card.yaml')),
  ];
  for (const c of computed) assert.equal(c.code, 0, c.stderr);
  return { dir, run };
}

interface StatementJson { run_id: number; lines: { cost_centre: string; pool: string; method: string; amount: string }[] }
const cents = (amount: string) => BigInt(amount.replace('.', ''));

describe('report: trend, names, budgets, variances (issue 33)', async () => {
  const { dir, run } = await months();
  const page = join(dir, 'showback.html');
  let browser: Browser;
  let html = '';
  const statement = async (month: string) => JSON.parse((await run('statement', '-m', month, '-f', 'json')).stdout) as StatementJson;

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `no Chromium at ${CHROMIUM}: install Debian's chromium package (.ci/run does) or set CHROMIUM_PATH`);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    const written = await run('report', '-m', '2026-10', '--by', 'tag.feature', '-o', page);
    assert.equal(written.code, 0, written.stderr);
    html = readFileSync(page, 'utf8');
    mkdirSync(SHOTS, { recursive: true });
  });
  after(() => browser?.close());

  it('shows each month as its books: every centre\'s amount and the total, to the cent', async () => {
    for (const month of ['2026-08', '2026-09', '2026-10']) {
      const books = await statement(month);
      const byCentre = new Map<string, bigint>();
      for (const l of books.lines) byCentre.set(l.cost_centre, (byCentre.get(l.cost_centre) ?? 0n) + cents(l.amount));
      const shown = new Map([...html.matchAll(new RegExp(`data-trend="${month}\\|([^"]+)" data-amount="([^"]+)"`, 'g'))].map((m) => [m[1]!, cents(m[2]!)]));
      assert.deepEqual(shown, byCentre, month);
      const total = new RegExp(`data-trend-total="${month}" data-amount="([^"]+)"`).exec(html);
      assert.equal(cents(total![1]!), [...byCentre.values()].reduce((a, b) => a + b, 0n), month);
    }
    assert.match(html, /2026-08<br><span class="of">run 1, closed<\/span>/);
  });

  it('puts a month without books in the trend as a gap, and --months sets the window', async () => {
    const three = join(dir, 'three.html');
    assert.equal((await run('report', '-m', '2026-11', '--months', '3', '-o', three)).code, 2, 'no books for November');
    const short = join(dir, 'short.html');
    assert.equal((await run('report', '-m', '2026-10', '--months', '2', '-o', short)).code, 0);
    const text = readFileSync(short, 'utf8');
    assert.ok(!text.includes('data-trend-total="2026-08"') && text.includes('data-trend-total="2026-09"'));
    for (const bad of ['0', '37', 'x', '1.5']) {
      const refused = await run('report', '-m', '2026-10', '--months', bad);
      assert.equal(refused.code, 2, bad);
      assert.match(refused.stderr, /--months: expected a whole number of months from 1 to 36/);
    }
  });

  it('lists every centre and pool against last month\'s books to the cent, notable changes first with their driver', async () => {
    const [now, before] = [await statement('2026-10'), await statement('2026-09')];
    const sum = (s: StatementJson) => {
      const m = new Map<string, bigint>();
      for (const l of s.lines) m.set(`${l.cost_centre}|${l.pool}`, (m.get(`${l.cost_centre}|${l.pool}`) ?? 0n) + cents(l.amount));
      return m;
    };
    const [a, b] = [sum(now), sum(before)];
    const rows = [...html.matchAll(/<tr( class="notable")?><td>[^<]*<\/td><td>[^<]*<\/td><td class="num" data-variance="([^"]+)" data-amount="([^"]+)" data-previous="([^"]*)" data-change="([^"]*)"/g)];
    assert.deepEqual(new Set(rows.map((r) => r[2])), new Set([...a.keys(), ...b.keys()]));
    for (const [, , key, amount, previous, change] of rows) {
      assert.equal(cents(amount!), a.get(key!) ?? 0n, key);
      assert.equal(cents(previous!), b.get(key!) ?? 0n, key);
      assert.equal(cents(change!), (a.get(key!) ?? 0n) - (b.get(key!) ?? 0n), key);
    }
    // Notable: at least 500.00 and 10% of September's; all of them before the rest.
    const notable = rows.map((r) => r[1] !== undefined);
    assert.ok(notable.indexOf(false) === -1 || !notable.slice(notable.indexOf(false)).includes(true), 'notable first');
    for (const r of rows) {
      const change = cents(r[5]!);
      const was = cents(r[4]!);
      const expected = (change < 0n ? -change : change) >= 50000n && (was === 0n || (change < 0n ? -change : change) * 10n >= (was < 0n ? -was : was));
      assert.equal(r[1] !== undefined, expected, r[2]);
    }
    assert.ok(notable.includes(true), 'research moved');
    assert.match(html, /<tr class="notable">.*?<td>(model|user or key|feature) <strong>[^<]+<\/strong> [+−][\d,]+\.\d\d<\/td><\/tr>/);
    assert.match(html, /mid-month forecast/);
  });

  it('explains what is unallocated: its total, and the users or keys that matched no centre with their cost', async () => {
    const books = await statement('2026-10');
    const unallocated = books.lines.filter((l) => l.cost_centre === 'CC-0000' || l.method === 'idle').reduce((s, l) => s + cents(l.amount), 0n);
    assert.equal(cents(/data-unallocated-total data-amount="([^"]+)"/.exec(html)![1]!), unallocated);
    const section = html.slice(html.indexOf('aria-label="Unallocated"'));
    assert.match(section, /<td>api_key=sha256:[0-9a-f]+ project=campaigns team=growth user=dan@example\.com<\/td><td class="num">[\d,]+\.\d\d<\/td>/);
  });

  it('names every centre in every chart that shows centres, and keeps one colour per centre', async () => {
    const tab = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await tab.goto(`file://${page}`);
    for (const id of ['trend', 'cost-by-centre', 'daily-spend']) {
      const alt = await tab.locator(`#${id} [role="img"]`).getAttribute('aria-label');
      for (const [centre, name] of NAMES) assert.ok(alt!.includes(name) && alt!.includes(centre), `${id}: ${name} (${centre})`);
    }
    const budgets = await tab.locator('#budgets [role="img"]').getAttribute('aria-label');
    for (const centre of ['CC-4100', 'CC-4200', 'CC-4300']) assert.ok(budgets!.includes(`${NAMES.get(centre)} (${centre})`), centre);
    // Each legend entry's label and swatch, in every chart that has one; each centre page's swatch.
    // Each legend's symbols and labels, in order; a line's symbol is stroked, a bar's filled.
    const legends = await tab.evaluate(() => [...document.querySelectorAll('figure')].flatMap((f) => {
      const labels = [...f.querySelectorAll('.role-legend-label text')].map((t) => t.textContent ?? '');
      return [...f.querySelectorAll('.role-legend-symbol path')].map((symbol, i) => {
        const fill = symbol.getAttribute('fill') ?? '';
        return [f.id, labels[i] ?? '', fill.startsWith('#') ? fill : symbol.getAttribute('stroke') ?? ''];
      });
    }));
    const swatches = await tab.evaluate(() => [...document.querySelectorAll('section.centre h2')].map((h) => [h.textContent ?? '', (h.querySelector('.swatch') as HTMLElement).style.background]));
    const colourOf = new Map<string, Set<string>>();
    for (const [figure, label, fill] of legends) if (figure !== 'cost-by-centre' && figure !== 'unit-trend') colourOf.set(label!, (colourOf.get(label!) ?? new Set()).add(fill!.toLowerCase()));
    for (const [label, fills] of colourOf) assert.equal(fills.size, 1, `${label}: ${[...fills]}`);
    assert.ok(colourOf.size >= 5, [...colourOf.keys()].join(', '));
    const rgb = (hex: string) => `rgb(${[1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(', ')})`;
    for (const [heading, background] of swatches) {
      const label = [...colourOf.keys()].find((l) => heading!.startsWith(l));
      assert.ok(label, heading);
      assert.equal(background, rgb([...colourOf.get(label!)!][0]!), heading);
    }
    // Pools take another palette: no pool shares a centre's colour.
    const poolFills = legends.filter(([f]) => f === 'cost-by-centre').map(([, , fill]) => fill!.toLowerCase());
    const centreFills = new Set([...colourOf.values()].flatMap((s) => [...s]));
    assert.deepEqual(poolFills.filter((f) => centreFills.has(f) && f !== '#c8c8c8'), []);
    await tab.screenshot({ path: join(SHOTS, 'showback-trend-top.png') });
    await tab.close();
  });

  it('prints the tiles, the trend and cost by centre on the first A4 page, and the whole report on at most 8', async () => {
    const tab = await browser.newPage();
    await tab.goto(`file://${page}`);
    await tab.emulateMedia({ media: 'print' });
    await tab.setViewportSize({ width: 703, height: 1000 });
    // A4 at the page's margins: 297 - 2 × 14 mm of height, in CSS pixels.
    const pageHeight = (297 - 28) * 96 / 25.4;
    const bottoms = await tab.evaluate(() => ['.tiles', '#trend .chart', '#cost-by-centre .chart'].map((s) => document.querySelector(s)!.getBoundingClientRect().bottom + window.scrollY));
    for (const bottom of bottoms) assert.ok(bottom <= pageHeight, `${bottom} px, the page holds ${pageHeight.toFixed(0)}`);
    const pdf = await tab.pdf({ format: 'A4', printBackground: true });
    writeFileSync(join(SHOTS, 'showback-trend-A4.pdf'), pdf);
    const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    assert.ok(pages <= 8, `${pages} A4 pages for 5 centres over 3 months`);
    await tab.close();
  });
});
