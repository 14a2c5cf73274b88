import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import type { Command, Option } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { EXAMPLE_RATE_CARD } from '../../src/ratecard/example.js';
import { parseRateCardText } from '../../src/ratecard/load.js';
import { ROOT } from '../e2e/cli.js';

/*
 * Docs that cannot drift (issue 34): every `chargeback …` line of the README and docs/ names
 * a real command with real options (and a listed choice where the option has choices), every
 * command synopsis in their tables too, and every example rate card validates.
 */
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

const program = buildProgram({ stdout: () => {}, stderr: () => {}, stdin: Readable.from([]), env: {}, now: () => new Date(0), stdoutIsTTY: false, stderrIsTTY: false });

/** The code blocks of a Markdown text, with the line each starts on and its language. */
function codeBlocks(text: string): { lang: string; body: string; line: number }[] {
  const blocks: { lang: string; body: string; line: number }[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^\s*```(\w*)/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*```\s*$/.test(l));
    blocks.push({ lang: open[1]!, body: lines.slice(i + 1, end).join('\n'), line: i + 2 });
    i = end;
  }
  return blocks;
}

/** The command a line's words name (`export erp`), and the words after it. */
function commandOf(words: readonly string[]): { command: Command; rest: string[] } | null {
  let command: Command = program;
  let i = 0;
  for (; i < words.length; i++) {
    const sub = command.commands.find((c) => c.name() === words[i] || c.aliases().includes(words[i]!));
    if (!sub) break;
    command = sub;
  }
  return command === program ? null : { command, rest: words.slice(i) };
}

const optionsOf = (command: Command): Option[] => [...command.options, ...program.options];
const named = (options: readonly Option[], flag: string) => options.find((o) => o.long === flag || o.short === flag);

/** What is wrong with a documented `chargeback …` invocation, or null. */
function problemWith(line: string): string | null {
  const words = line.replace(/\s+#.*$/, '').trim().split(/\s+/).slice(1);
  // Global options may come before the command, with their values.
  let firstCommand = 0;
  while (words[firstCommand]?.startsWith('-')) firstCommand += named(program.options, words[firstCommand]!)?.required ? 2 : 1;
  const found = commandOf(words.slice(firstCommand));
  if (!found) return `no command "${words.slice(firstCommand, firstCommand + 2).join(' ')}"`;
  const options = optionsOf(found.command);
  const all = [...words.slice(0, firstCommand), ...found.rest];
  for (let i = 0; i < all.length; i++) {
    const [flag, inline] = all[i]!.split('=') as [string, string | undefined];
    if (!flag.startsWith('-') || flag === '-') continue;
    const option = named(options, flag);
    if (!option) return `${found.command.name()} has no option ${flag}`;
    const value = inline ?? (option.required || option.optional ? all[i + 1] : undefined);
    if (option.argChoices && value !== undefined && !/^[A-Z_|.]+$/.test(value) && !option.argChoices.includes(value)) {
      return `${flag} ${value}: not one of ${option.argChoices.join(', ')}`;
    }
  }
  return null;
}

describe('the docs (issue 34)', () => {
  it('name real commands with real options in every example', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const file of DOCS) {
      for (const block of codeBlocks(read(file)).filter((b) => ['sh', 'bash', 'console', ''].includes(b.lang))) {
        block.body.replace(/\\\n\s*/g, ' ').split('\n').forEach((text, i) => {
          const line = text.replace(/^\$\s+/, '').trim();
          // A command, not a line of output that starts with the name ("chargeback bench — 2 × …").
          if (!line.startsWith('chargeback ') || line.includes(' — ')) return;
          checked++;
          const problem = problemWith(line);
          if (problem) problems.push(`${file}:${block.line + i}: ${problem}: ${line}`);
        });
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(checked >= 15, `${checked} examples`);
  });

  it('give every option a command synopsis names in their tables', () => {
    const problems: string[] = [];
    for (const file of DOCS) {
      for (const [n, row] of read(file).split('\n').entries()) {
        const synopsis = /^\| `((?:chargeback )?[a-z][a-z-]*(?: [a-z][a-z-]*)?)([^`]*)`/.exec(row);
        if (!synopsis) continue;
        const found = commandOf(synopsis[1]!.replace(/^chargeback /, '').split(' '));
        if (!found || found.rest.length > 0) continue;
        for (const flag of synopsis[2]!.match(/(?<=[\s[|])--?[a-zA-Z][\w-]*/g) ?? []) {
          if (!named(optionsOf(found.command), flag)) problems.push(`${file}:${n + 1}: ${found.command.name()} has no option ${flag}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it('link only to files the clone has', () => {
    const broken = DOCS.flatMap((file) => [...read(file).matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1]!).filter((target) => !/^[a-z]+:/.test(target))
      .filter((target) => !existsSync(join(ROOT, dirname(file), target))).map((target) => `${file}: ${target}`));
    assert.deepEqual(broken, []);
  });

  it('show the card init --example writes, as it writes it', () => {
    assert.ok(read('docs/ratecard.md').includes(`\`\`\`yaml\n${EXAMPLE_RATE_CARD.trimEnd()}\n\`\`\``), 'docs/ratecard.md holds src/ratecard/example.ts');
  });

  it('show rate cards that validate', () => {
    const problems: string[] = [];
    let cards = 0;
    for (const file of DOCS) {
      for (const block of codeBlocks(read(file)).filter((b) => b.lang === 'yaml')) {
        if (!/^(cost_centres|pools|version):/m.test(block.body)) continue;
        // A part of a card (its centres and pools) is checked inside the smallest whole card.
        const whole = /^version:/m.test(block.body) ? block.body : `version: 1\ncurrency: USD\nunallocated: CC-0000\n${/^cost_centres:/m.test(block.body) ? '' : 'cost_centres: []\n'}${block.body}`;
        cards++;
        try {
          parseRateCardText(whole, `${file}:${block.line}`);
        } catch (error) {
          problems.push(`${file}:${block.line}: ${(error as Error).message}`);
        }
      }
    }
    assert.deepEqual(problems, []);
    assert.ok(cards >= 1, `${cards} cards`);
  });
});
