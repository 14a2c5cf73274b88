import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/ledger/schema.js';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * A ledger written by the version before identities and attribute sets were interned
 * (schema 14, fixtures/ledgers/make-version-14.mjs, with October computed by that version):
 * opened by today's code it migrates in place, prints the statement it printed, computes
 * the month again to the same bytes, and its old run still verifies (issue 30).
 */
describe('a version-14 ledger migrated in place (issue 30)', () => {
  const { dir } = workspace({ init: false });
  const ledger = join(dir, 'old.db');
  copyFileSync(fixture('ledgers/version-14.db'), ledger);
  const run = inProcess(ledger);
  const before = new Database(fixture('ledgers/version-14.db'), { readonly: true });
  const dims = before.prepare(`SELECT id, api_key_fp, user_name, team, project, model, tier, environment, tags FROM usage_dims ORDER BY id`).raw().all();
  before.close();

  it('keeps every dims row under its id, as an interned identity and attribute set', async () => {
    assert.equal((await run('status')).code, 0);
    const db = new Database(ledger, { readonly: true });
    assert.equal(db.pragma('user_version', { simple: true }), MIGRATIONS.length);
    const after = db.prepare(`SELECT d.id, i.api_key_fp, i.user_name, i.team, i.project, a.model, a.tier, a.environment, a.tags
      FROM usage_dims d JOIN usage_identities i ON i.id = d.identity_id JOIN usage_attributes a ON a.id = d.attributes_id ORDER BY d.id`).raw().all();
    const identities = db.prepare('SELECT COUNT(*) FROM usage_identities').pluck().get() as number;
    db.close();
    assert.deepEqual(after, dims);
    assert.ok(identities < dims.length, `${identities} identities for ${dims.length} dims rows`);
  });

  it('prints the statement and the drill-down the old version printed, and verifies its run', async () => {
    assert.equal((await run('statement', '--month', '2026-10', '--format', 'csv')).stdout, readFileSync(fixture('ledgers/version-14-statement.csv'), 'utf8'));
    // --exact: every decimal, as the old version printed them.
    const explained = await run('explain', '--month', '2026-10', '--cost-centre', 'CC-4100', '--exact');
    assert.equal(explained.stdout, readFileSync(fixture('ledgers/version-14-explain.txt'), 'utf8'));
    const verified = await run('runs', '--verify', '1');
    assert.equal(verified.code, 0, verified.stderr);
  });

  it('computes the month again to the same statement, from interned rows', async () => {
    const computed = await run('compute', '--month', '2026-10', '--rate-card', fixture('ledgers/version-14-card.yaml'));
    assert.equal(computed.code, 0, computed.stderr);
    assert.equal((await run('statement', '--month', '2026-10', '--format', 'csv')).stdout, readFileSync(fixture('ledgers/version-14-statement.csv'), 'utf8'));
    assert.equal((await run('explain', '--month', '2026-10', '--cost-centre', 'CC-4100', '--exact')).stdout,
      readFileSync(fixture('ledgers/version-14-explain.txt'), 'utf8').replace(', run 1:', ', run 2:'));
    assert.equal((await run('runs', '--verify', '2')).code, 0);
  });
});
