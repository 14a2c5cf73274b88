import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../e2e/cli.js';

/*
 * The README's walkthrough shows what the demo prints (issue 34): each `text` block there is
 * lines of `npm run demo`'s output, in order, so a change to the product's figures shows up
 * here and the README is brought along. Runs the demo as npm run demo does, its report
 * written to a folder of the test's own.
 */
describe('the demo (issue 34)', () => {
  it('prints every figure the README shows of it, and writes the report', () => {
    const folder = mkdtempSync(join(tmpdir(), 'chargeback-demo-test-'));
    const report = join(folder, 'showback.html');
    const run = spawnSync(process.execPath, [join(ROOT, 'bin/demo.mjs')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHARGEBACK_DEMO_REPORT: report } });
    assert.equal(run.status, 0, run.stderr);
    const printed = run.stdout.split('\n');
    const blocks = [...readFileSync(join(ROOT, 'README.md'), 'utf8').matchAll(/```text\n([\s\S]*?)```/g)].map((m) => m[1]!.trimEnd().split('\n'));
    assert.ok(blocks.length >= 2, `${blocks.length} blocks of demo output in the README`);
    for (const block of blocks) {
      const at = printed.indexOf(block[0]!);
      assert.ok(at >= 0, `the demo does not print: ${block[0]}`);
      // Each block's lines appear in the demo's output in the same order.
      let from = at;
      for (const line of block) {
        const found = printed.indexOf(line, from);
        assert.ok(found >= from, `the demo does not print, after the lines before it: ${line}`);
        from = found + 1;
      }
    }
    assert.ok(existsSync(report), 'the demo writes its report');
    assert.match(readFileSync(report, 'utf8'), /Spend over 3 months/);
  });
});
