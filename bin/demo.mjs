// npm run demo: a fresh ledger in a temporary folder and the card `init --example` writes (one
// organisation: API spend at list price held to the invoice, a GPU cluster shared by usage,
// cloud accounts charged to their owners); the bundled gateway logs and bills ingested,
// October 2026 computed, and the statements printed, exactly as a user would run the
// commands. The HTML showback report is written to ./showback-demo.html, to open in a browser.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(join(tmpdir(), 'chargeback-demo-'));
const ledger = join(work, 'chargeback.db');
const card = join(work, 'ratecard.yaml');
const usage = 'fixtures/demo/gateway-2026-10.csv';
const api = 'fixtures/demo/api-2026-10.csv';
const bills = 'fixtures/demo/bills-2026-10.csv';

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

try {
  console.log(`demo ledger: ${ledger} (CHARGEBACK_LEDGER)`);
  chargeback('init');
  chargeback('init', '--example', card);
  chargeback('ratecard', 'validate', card);
  chargeback('ingest', usage, '--source', 'gateway');
  chargeback('ingest', usage, '--source', 'gateway');
  chargeback('ingest', api, '--source', 'gateway');
  chargeback('ingest', bills, '--source', 'billing');
  chargeback('compute', '--month', '2026-10', '--rate-card', card);
  chargeback('explain', '--month', '2026-10', '--cost-centre', 'CC-4100');
  chargeback('statement', '--month', '2026-10', '--format', 'csv');
  chargeback('batches');
  chargeback('report', '--month', '2026-10', '--output', 'showback-demo.html');
  console.log(`\nThe showback report: ${join(root, 'showback-demo.html')} (open it in a browser; it needs no network)`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
