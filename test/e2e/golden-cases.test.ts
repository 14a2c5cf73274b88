import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/main.js';
import { openLedger } from '../../src/ledger/open.js';
import { connectSync } from '../../src/ledger/postgresql/sync-client.js';
import { ROOT } from './cli.js';
import { startCluster, type Cluster } from './pg-cluster.js';

/*
 * Golden cases as data (issue 14): each folder of fixtures/golden/cases holds
 *   setup   optional: one command per line, each run first and expected to exit 0 or 1
 *   env     optional: NAME=value lines for the command under test (COLUMNS=200: a wide terminal)
 *   args    the command under test, one argument per line
 *   stdout, stderr, code   what it must print and return, exactly
 * `{fixtures}` in setup and args is the fixtures folder and `{dir}` the case's own folder,
 * where its own fresh ledger lives; the same two are put back in the outputs. Commands run
 * in this process through main(argv, io) at a fixed clock, so outputs are stable. Adding a
 * case is adding a folder; CHARGEBACK_UPDATE_GOLDEN=1 writes the outputs of new cases.
 *
 * Every case runs twice: on a SQLite ledger, and on a PostgreSQL ledger (issue 20), a fresh
 * database per case in a throwaway cluster, against the same expected outputs, byte for
 * byte. That is the parity matrix: ingest, compute, close, statements, ERP export, explain,
 * budgets, diff, runs and every error case, on both backends. A message naming the ledger
 * names its URL there, read back as `{dir}/chargeback.db`.
 */
const CASES = join(ROOT, 'fixtures/golden/cases');
const FIXTURES = join(ROOT, 'fixtures');
const NOW = new Date('2026-11-15T12:00:00.000Z');

async function run(argv: readonly string[], ledger: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (text) => void (stdout += text),
    stderr: (text) => void (stderr += text),
    stdin: Readable.from([]),
    env: { CHARGEBACK_LEDGER: ledger, ...env },
    now: () => NOW,
    stdoutIsTTY: false,
    stderrIsTTY: false,
  });
  return { code, stdout, stderr };
}

const filled = (text: string, dir: string) => text.replaceAll('{fixtures}', FIXTURES).replaceAll('{dir}', dir);
const emptied = (text: string, dir: string) => text.replaceAll(dir, '{dir}').replaceAll(FIXTURES, '{fixtures}');
/** Arguments of a command line: space-separated, or one per line when the file has several lines. */
const argsOf = (line: string) => line.trim().split(/ +/);

/** Where a case's ledger lives: a file in its folder, or a database of its own. */
interface Backend {
  ledgerFor(dir: string, name: string): string;
}

const SQLITE: Backend = { ledgerFor: (dir) => join(dir, 'chargeback.db') };

function goldenCases(title: string, backend: () => Backend): void {
  describe(title, () => {
    for (const name of readdirSync(CASES).sort()) {
      const folder = join(CASES, name);
      const read = (file: string) => (existsSync(join(folder, file)) ? readFileSync(join(folder, file), 'utf8') : null);
      it(name, async () => {
        const dir = mkdtempSync(join(tmpdir(), `golden-${name}-`));
        const ledger = backend().ledgerFor(dir, name);
        openLedger(ledger, { create: true }).close();
        for (const line of (read('setup') ?? '').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))) {
          const step = await run(argsOf(filled(line, dir)), ledger);
          assert.ok(step.code === 0 || step.code === 1, `setup "${line}" exited ${step.code}: ${step.stderr}`);
        }
        const args = read('args')!.split('\n').filter((l) => l !== '').map((a) => filled(a, dir));
        const env = Object.fromEntries((read('env') ?? '').split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
        const result = await run(args, ledger, env);
        const named = (text: string) => emptied(text.replaceAll(ledger, join(dir, 'chargeback.db')), dir);
        const actual = { code: `${result.code}\n`, stdout: named(result.stdout), stderr: named(result.stderr) };
        if (process.env.CHARGEBACK_UPDATE_GOLDEN === '1' && read('code') === null) {
          for (const [file, text] of Object.entries(actual)) writeFileSync(join(folder, file), text);
        }
        assert.equal(actual.code, read('code'), `exit code; stderr: ${result.stderr}`);
        assert.equal(actual.stderr, read('stderr'));
        assert.equal(actual.stdout, read('stdout'));
      });
    }
  });
}

goldenCases('golden cases (fixtures/golden/cases)', () => SQLITE);

describe('on PostgreSQL', () => {
  let cluster: Cluster;
  // Each case's ledger is a copy of one made by `init` (a database template): migrating a
  // fresh database for each of the cases took most of their time.
  const TEMPLATE = 'golden_template';
  before(async () => {
    cluster = await startCluster();
    const admin = connectSync(cluster.url);
    try {
      admin.query(`CREATE DATABASE ${TEMPLATE}`);
    } finally {
      admin.close();
    }
    openLedger(cluster.url.replace(/\/postgres$/, `/${TEMPLATE}`), { create: true }).close();
  });
  after(() => cluster?.stop());
  const postgresql = (): Backend => ({
    ledgerFor(_dir, name) {
      const database = `golden_${name.replaceAll('-', '_')}`;
      const admin = connectSync(cluster.url);
      try {
        admin.query(`CREATE DATABASE ${database} TEMPLATE ${TEMPLATE}`);
      } finally {
        admin.close();
      }
      return cluster.url.replace(/\/postgres$/, `/${database}`);
    },
  });
  goldenCases('golden cases on a PostgreSQL ledger (issue 20)', postgresql);
});
