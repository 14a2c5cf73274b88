// npm run demo: three months of one organisation, run as a user would run them, in a fresh
// ledger in a temporary folder, with the card `init --example` writes (API spend at list
// price held to the invoices, a GPU cluster shared by usage, cloud accounts charged to their
// owners, budgets). August and September are computed, closed and posted to the ERP;
// October is ingested (twice: the second time stores nothing), checked against its budgets,
// computed and explained; a bill for September arrives late, and its correction is posted as
// an adjustment journal. The HTML showback report of October, with its three-month trend,
// is written to ./showback-demo.html, to open in a browser. The data: fixtures/demo (real
// traces; make-gateway.mjs, make-api.mjs and make-months.mjs say how each file was made).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'chargeback-demo-'));
const ledger = join(work, 'chargeback.db');
const card = join(work, 'ratecard.yaml');
const demo = (file) => `fixtures/demo/${file}`;
// Where the report goes: ./showback-demo.html, or CHARGEBACK_DEMO_REPORT (the docs test's own folder).
const reportPath = process.env.CHARGEBACK_DEMO_REPORT ?? 'showback-demo.html';

function chargeback(...args) {
  console.log(`\n$ chargeback ${args.join(' ')}`);
  const result = spawnSync(process.execPath, ['bin/chargeback', ...args], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, CHARGEBACK_LEDGER: ledger },
  });
  if (result.status !== 0) {
    console.error(`demo: "chargeback ${args[0]}" exited ${result.status}`);
    process.exit(result.status ?? 1);
  }
}

const say = (text) => console.log(`\n# ${text}`);

try {
  console.log(`demo ledger: ${ledger} (CHARGEBACK_LEDGER)`);
  chargeback('init');
  chargeback('init', '--example', card);
  chargeback('ratecard', 'validate', card);

  for (const month of ['2026-08', '2026-09']) {
    say(`${month}: the month's gateway logs and bills, computed, closed and posted once`);
    chargeback('ingest', demo(`gateway-${month}.csv`), demo(`api-${month}.csv`), '--source', 'gateway', '-q');
    chargeback('ingest', demo(`bills-${month}.csv`), '--source', 'billing', '-q');
    chargeback('compute', '--month', month, '--rate-card', card, '--close', '-q');
    chargeback('export', 'erp', '--month', month, '--output', join(work, `journal-${month}.csv`));
  }

  say('2026-10: ingested from cron (the same file again stores nothing), checked against the budgets mid-month, then computed');
  chargeback('ingest', demo('gateway-2026-10.csv'), '--source', 'gateway');
  chargeback('ingest', demo('gateway-2026-10.csv'), '--source', 'gateway');
  chargeback('ingest', demo('api-2026-10.csv'), '--source', 'gateway');
  chargeback('ingest', demo('bills-2026-10.csv'), '--source', 'billing');
  chargeback('budgets', '--month', '2026-10', '--rate-card', card, '--as-of', '2026-10-20');
  chargeback('compute', '--month', '2026-10', '--rate-card', card);
  chargeback('explain', '--month', '2026-10', '--cost-centre', 'CC-4100');
  chargeback('statement', '--month', '2026-10', '--format', 'csv');

  say("A late bill for September, after its close: accepted on purpose, recomputed as an adjustment, and only the difference posted");
  chargeback('ingest', demo('bills-2026-09-late.csv'), '--source', 'billing', '--allow-closed');
  chargeback('compute', '--month', '2026-09', '--rate-card', card, '-q');
  chargeback('export', 'erp', '--month', '2026-09', '--adjustments', '--format', 'table');
  chargeback('runs');
  chargeback('batches');

  say('The showback report of October: the trend over three months, budgets, variances and every centre explained');
  chargeback('report', '--month', '2026-10', '--output', reportPath);
  console.log(`\nThe showback report: ${join(root, reportPath)} (open it in a browser; it needs no network)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
