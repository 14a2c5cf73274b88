// Runs every compiled test file with node's own runner. Node 20 does not expand a quoted
// glob and finds nothing without paths, so the list is built here and must not be empty.
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.js') ? [path] : [];
  });
}

const files = existsSync('dist/test') ? testFiles('dist/test').sort() : [];
if (files.length === 0) {
  console.error('test/run.mjs: no compiled test files under dist/test: did the build run?');
  process.exit(1);
}
// Every test's temporary folders (ledgers, rejects files, PostgreSQL clusters) go under one
// folder that is removed at the end: thousands of them were left in /tmp by each run. It is
// open to other users (0755) because a cluster runs as the postgres user beneath it.
const scratch = mkdtempSync(join(tmpdir(), 'chargeback-tests-'));
chmodSync(scratch, 0o755);
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...process.argv.slice(2), ...files], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: scratch },
});
rmSync(scratch, { recursive: true, force: true });
process.exit(result.status ?? 1);
