import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fixture, inProcess, workspace } from './cli.js';

/*
 * --output respects what is there (issue 28): a regular file is replaced whole, a FIFO and a
 * device are written through, a symlink's target is replaced (never the link), a folder is
 * exit 2. The device is made in the test's own folder (mknod, as root): never the machine's /dev.
 */
const run = (ledger: string, args: readonly string[]) => inProcess(ledger)(...args);

async function computedMonth() {
  const { dir, ledger } = workspace();
  assert.equal((await run(ledger, ['ingest', fixture('golden/gateway.csv'), '--source', 'gateway'])).code, 0);
  assert.equal((await run(ledger, ['compute', '-m', '2026-10', '-r', fixture('golden/ratecard.yaml')])).code, 0);
  const expected = (await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv'])).stdout;
  return { dir, ledger, expected };
}

describe('--output respects what is there (issue 28)', () => {
  it('replaces a regular file whole, and a symlink\'s target, never the link', async () => {
    const { dir, ledger, expected } = await computedMonth();
    writeFileSync(join(dir, 'old.csv'), 'old\n');
    assert.equal((await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', join(dir, 'old.csv')])).code, 0);
    assert.equal(readFileSync(join(dir, 'old.csv'), 'utf8'), expected);
    mkdirSync(join(dir, 'kept'));
    writeFileSync(join(dir, 'kept/target.csv'), 'old\n');
    symlinkSync('kept/target.csv', join(dir, 'link.csv'));
    symlinkSync('link.csv', join(dir, 'link-of-link.csv'));
    const written = await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', join(dir, 'link-of-link.csv')]);
    assert.equal(written.code, 0, written.stderr);
    assert.ok(lstatSync(join(dir, 'link.csv')).isSymbolicLink() && lstatSync(join(dir, 'link-of-link.csv')).isSymbolicLink(), 'the links stay links');
    assert.equal(readlinkSync(join(dir, 'link.csv')), 'kept/target.csv');
    assert.equal(readFileSync(join(dir, 'kept/target.csv'), 'utf8'), expected);
    // A dangling link: its target is made.
    symlinkSync('kept/new.csv', join(dir, 'dangling.csv'));
    assert.equal((await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', join(dir, 'dangling.csv')])).code, 0);
    assert.equal(readFileSync(join(dir, 'kept/new.csv'), 'utf8'), expected);
  });

  it('writes through a FIFO, and a full device is one line and exit 2', async () => {
    const { dir, ledger, expected } = await computedMonth();
    const fifo = join(dir, 'statement.fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
    const reader = spawn('cat', [fifo]);
    let read = '';
    reader.stdout.on('data', (chunk: Buffer) => (read += chunk.toString()));
    const closed = new Promise((resolve) => reader.on('close', resolve));
    const written = await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', fifo]);
    await closed;
    assert.equal(written.code, 0, written.stderr);
    assert.equal(read, expected);
    assert.ok(lstatSync(fifo).isFIFO(), 'the FIFO is still a FIFO');

    // A device like /dev/full, made here (root may mknod; the machine's /dev is never touched).
    const full = join(dir, 'full');
    const made = spawnSync('mknod', [full, 'c', '1', '7']);
    assert.equal(made.status, 0, `mknod (tests run as root): ${made.stderr}`);
    const onFull = await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', full]);
    assert.equal(onFull.code, 2);
    assert.equal(onFull.stderr, `chargeback: ${full}: cannot write the output: the disk is full\n`);
    assert.ok(lstatSync(full).isCharacterDevice(), 'the device is still a device');
    // /dev/null-like: a null device takes the journal; nothing replaces it.
    const nul = join(dir, 'null');
    assert.equal(spawnSync('mknod', [nul, 'c', '1', '3']).status, 0);
    assert.equal((await run(ledger, ['export', 'erp', '-m', '2026-10', '--dry-run', '-o', nul])).code, 2, 'the golden card has no platform');
    assert.equal((await run(ledger, ['statement', '-m', '2026-10', '-o', nul])).code, 0);
    assert.ok(lstatSync(nul).isCharacterDevice());
    // A rejects file onto the full device: the batch is refused whole, nothing stored.
    writeFileSync(join(dir, 'bad.csv'), `${readFileSync(fixture('golden/gateway.csv'), 'utf8').split('\n')[0]}\nnot-a-time,x1,,erin,search,,llama-3-70b,5,5,1,ok,,prod\n`);
    const rejects = await run(ledger, ['ingest', join(dir, 'bad.csv'), '--source', 'gateway', '--rejects', full]);
    assert.equal(rejects.code, 2);
    assert.match(rejects.stderr, /cannot write the rejects file: the disk is full\n$/);
  });

  it('refuses a folder with exit 2 and one line', async () => {
    const { dir, ledger } = await computedMonth();
    const folder = await run(ledger, ['statement', '-m', '2026-10', '-f', 'csv', '-o', dir]);
    assert.equal(folder.code, 2);
    assert.equal(folder.stderr, `chargeback: ${dir}: cannot write the output: it is a folder\n`);
  });
});
