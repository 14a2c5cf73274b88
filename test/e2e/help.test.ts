import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Command } from 'commander';
import { buildProgram, main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/context.js';

/* Help teaches by showing (issue 18): every command's --help ends with real examples. */
function io(): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t), stdin: Readable.from([]), env: {}, now: () => new Date(0), stdoutIsTTY: false, stderrIsTTY: false },
    out: () => out,
    err: () => err,
  };
}

function paths(command: Command, prefix: string[] = []): string[][] {
  return [prefix, ...command.commands.flatMap((c) => paths(c, [...prefix, c.name()]))];
}

describe('help (issue 18)', () => {
  for (const path of paths(buildProgram(io().io))) {
    it(`chargeback ${[...path, '--help'].join(' ')} ends with two or three examples of itself`, async () => {
      const { io: given, out } = io();
      assert.equal(await main([...path, '--help'], given), 0);
      const examples = out().split('\nExamples:\n')[1];
      assert.ok(examples, out());
      const lines = examples.trimEnd().split('\n');
      assert.ok(lines.length >= 2 && lines.length <= 3, examples);
      for (const line of lines) assert.match(line, new RegExp(`^  \\$ (echo '.*)?(source <\\()?chargeback( -q| --ledger \\S+)? ${path.join(' ')}`));
    });
  }

  it('a usage error names the subcommand\'s help, and every error line starts with chargeback:', async () => {
    const { io: given, err } = io();
    assert.equal(await main(['billing', 'summary', '-m', '2026-10', '--bogus'], given), 2);
    assert.equal(err(), 'chargeback: unknown option \'--bogus\'\n(run "chargeback billing summary --help" for usage and examples)\n');
  });
});
