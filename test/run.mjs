// Runs the compiled test files with node's own runner: every file, or those whose path holds
// one of the words given (`npm test -- report`, `npm test -- e2e/month-end`); arguments that
// start with `-` go to node (`npm test -- --test-name-pattern=close`). Progress prints as
// dots and failures in full; the whole TAP goes to test-output/tests.tap; the run ends with
// one line: the counts, and the failed tests by name and place.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const words = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const options = process.argv.slice(2).filter((a) => a.startsWith('-'));
const all = existsSync('dist/test') ? testFiles('dist/test').sort() : [];
const files = words.length === 0 ? all : all.filter((f) => words.some((w) => relative('dist/test', f).includes(w)));
if (files.length === 0) {
  console.error(all.length === 0 ? 'test/run.mjs: no compiled test files under dist/test: did the build run?' : `test/run.mjs: no test file matches ${words.join(', ')}`);
  process.exit(1);
}
// Every test's temporary folders (ledgers, rejects files, PostgreSQL clusters) go under one
// folder that is removed at the end: thousands of them were left in /tmp by each run. It is
// open to other users (0755) because a cluster runs as the postgres user beneath it.
const scratch = mkdtempSync(join(tmpdir(), 'chargeback-tests-'));
chmodSync(scratch, 0o755);
mkdirSync('test-output', { recursive: true });
const tap = join('test-output', 'tests.tap');
const started = Date.now();
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-reporter=dot', '--test-reporter-destination=stdout',
  '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...options, ...files], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: scratch },
});
rmSync(scratch, { recursive: true, force: true });
console.log(summary(existsSync(tap) ? readFileSync(tap, 'utf8') : '', (Date.now() - started) / 1000));
process.exit(result.status ?? 1);

/** "npm test: 912 tests, 910 passed, 2 failed in 241 s: NAME (FILE:LINE); …" from the TAP. */
function summary(text, seconds) {
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const lines = text.split('\n');
  // A failed test, not a failed suite (a suite fails because a test in it did), with its place.
  const failed = lines.flatMap((line, i) => {
    const m = /^\s*not ok \d+ - (.*)$/.exec(line);
    if (!m) return [];
    const block = lines.slice(i + 1, lines.findIndex((l, j) => j > i && /^\s*\.\.\.$/.test(l)) + 1);
    if (block.some((l) => /type: 'suite'/.test(l))) return [];
    const at = block.map((l) => /location: '(.*?):(\d+):\d+'/.exec(l)).find(Boolean);
    return [`${m[1]}${at ? ` (${relative('.', at[1])}:${at[2]})` : ''}`];
  });
  const head = `npm test: ${count('tests')} tests, ${count('pass')} passed, ${count('fail')} failed${count('skipped') ? `, ${count('skipped')} skipped` : ''} in ${seconds.toFixed(0)} s`;
  return failed.length === 0 ? head : `${head}: ${failed.join('; ')}`;
}
