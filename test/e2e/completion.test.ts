import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chargeback, ROOT, workspace } from './cli.js';

/*
 * `chargeback completion SHELL` (issue 18). The bash script is run in a real bash: each case
 * sets the words typed so far and reads back what TAB would offer.
 */
const { dir } = workspace();
const script = join(dir, 'chargeback.bash');
writeFileSync(script, chargeback(dir, ['completion', 'bash']).stdout);

function offers(words: string[]): string[] {
  const line = `source ${JSON.stringify(script)}; COMP_WORDS=(${words.map((w) => JSON.stringify(w)).join(' ')}); COMP_CWORD=${words.length - 1}; _chargeback; printf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = spawnSync('bash', ['-c', line], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.split('\n').filter((w) => w !== '').sort();
}

describe('shell completion (issue 18)', () => {
  const cases: [string[], string[]][] = [
    [['chargeback', 'st'], ['statement', 'status']],
    [['chargeback', 'billing', 's'], ['summary']],
    [['chargeback', 'compute', '--fo'], ['--format']],
    [['chargeback', 'compute', '-f', ''], ['json', 'table']],
    [['chargeback', 'statement', '--format', ''], ['csv', 'focus', 'json', 'table']],
    [['chargeback', '--ledger', 'x.db', 'comp'], ['completion', 'compute']],
    [['chargeback', 'compute', '-r', 'fixtures/spec-example/rat'], ['fixtures/spec-example/ratecard.yaml']],
    [['chargeback', 'ingest', 'fixtures/spec-example/gat'], ['fixtures/spec-example/gateway-2026-10.csv']],
    [['chargeback', 'compute', '-m', ''], []],
    [['chargeback', 'completion', ''], ['bash', 'fish', 'zsh']],
    [['chargeback', '--color', ''], ['always', 'auto', 'never']],
    // Issue 31: the values ingest checks itself complete too.
    [['chargeback', 'ingest', 'x.csv', '--source', ''], ['billing', 'gateway', 'gpu']],
    [['chargeback', 'ingest', '--format', 'open'], ['openai-batch', 'openai-costs', 'openai-jsonl', 'openai-usage', 'opencost', 'openrouter']],
    // Issues 31 and 32: the ERP profiles.
    [['chargeback', 'export', 'erp', '--profile', ''], ['columns', 'd365', 'generic', 'netsuite', 'oracle-fbdi', 'quickbooks', 'sap', 'workday', 'xero']],
  ];
  for (const [words, expected] of cases) {
    it(`"${words.join(' ')}" + TAB offers ${expected.join(', ') || 'nothing'}`, () => assert.deepEqual(offers(words), expected));
  }

  it('zsh runs the same function through bashcompinit; fish gets a line per command and option', () => {
    const zsh = chargeback(dir, ['completion', 'zsh']);
    assert.equal(zsh.code, 0);
    assert.match(zsh.stdout, /^#compdef chargeback\n/);
    assert.match(zsh.stdout, /bashcompinit/);
    const fish = chargeback(dir, ['completion', 'fish']).stdout;
    assert.match(fish, /complete -c chargeback -n '__fish_use_subcommand' -a 'compute' -d /);
    assert.match(fish, /complete -c chargeback -n '__fish_seen_subcommand_from billing; and not __fish_seen_subcommand_from summary' -a 'summary'/);
    assert.match(fish, /-n '__fish_seen_subcommand_from compute' -l format -s f -x -a 'table json'/);
    assert.match(fish, /-n '__fish_seen_subcommand_from compute' -l rate-card -s r -r -F/);
    assert.equal(chargeback(dir, ['completion', 'tcsh']).code, 2);
  });
});
