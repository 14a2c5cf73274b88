import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { chargeback, workspace } from './cli.js';

/** Issue 13: inputs written to break us, kept as tests. */
describe('hostile input', () => {
  it('tag names such as __proto__ and constructor are stored and matched like any other', () => {
    const { dir, ledger } = workspace();
    writeFileSync(join(dir, 't.csv'), 'timestamp,team,model,input_tokens,output_tokens,tag.__proto__,tag.constructor\n' +
      '2026-10-02T00:00:00Z,a,m,1,1,alpha,beta\n2026-10-02T00:00:00Z,b,m,1,1,,\n');
    assert.equal(chargeback(dir, ['ingest', join(dir, 't.csv'), '--source', 'gateway']).code, 0);
    const db = new Database(ledger, { readonly: true });
    assert.deepEqual(db.prepare('SELECT tags FROM usage_dims ORDER BY id').pluck().all(), ['{"__proto__":"alpha","constructor":"beta"}', '{}']);
    db.close();
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: CC-1, match: { tag.constructor: [beta] } }\n' +
      'pools:\n  - { id: p, cost: { fixed: "1.00" }, usage: { tags: { constructor: beta } }, method: proportional, driver: requests }\n' +
      '  - { id: q, cost: { fixed: "1.00" }, usage: { tags: { toString: x } }, method: proportional, driver: requests }\n');
    const run = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    const csv = chargeback(dir, ['statement', '--month', '2026-10', '--format', 'csv']).stdout;
    assert.match(csv, /^2026-10,CC-1,,p,proportional,requests,1,,1\.00,USD$/m, run.stdout + run.stderr);
    assert.match(csv, /^2026-10,CC-0000,,q,idle,requests,,,1\.00,USD$/m, 'no event has a toString tag: an inherited name is not a tag');
  });
});
