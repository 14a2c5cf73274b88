import { lstatSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync, type Stats } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * The temporary name a file is written under until it is whole: the final name, then
 * `.partial-` and the writing process's id, so a leftover says who left it.
 */
export function temporaryName(path: string): string {
  return `${path}.partial-${process.pid}`;
}

/**
 * Removes temporaries of `path` left by processes that no longer run (a SIGKILL leaves
 * them; nothing can clean up at that moment), before a new one is made.
 */
export function removeStaleTemporaries(path: string): void {
  const prefix = `${basename(path)}.partial-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(name.slice(prefix.length));
    if (Number.isSafeInteger(pid) && pid !== process.pid && !isRunning(pid)) rmSync(join(dirname(path), name), { force: true });
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Where a file written whole goes (issue 28): `replace` writes under a temporary name beside
 * `path` and renames it into place; `direct` writes through what is there. Never replace
 * what we did not make: a symlink's target is replaced, not the link; a FIFO, a device or a
 * socket (and /dev/stdout, /dev/fd/N) are written through; a folder is an error (EISDIR).
 */
export type Destination = { kind: 'replace' | 'direct'; path: string };

const STANDARD_STREAM = /^\/(dev\/(stdout|stderr|fd\/\d+)|proc\/self\/fd\/\d+)$/;

export function destinationOf(path: string, hops = 0): Destination {
  if (STANDARD_STREAM.test(path)) return { kind: 'direct', path };
  let found: Stats;
  try {
    found = lstatSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'replace', path };
    throw error;
  }
  if (found.isSymbolicLink()) {
    if (hops >= 40) throw Object.assign(new Error(`${path}: too many symbolic links`), { code: 'ELOOP', path });
    return destinationOf(resolve(dirname(path), readlinkSync(path)), hops + 1);
  }
  if (found.isDirectory()) throw Object.assign(new Error(`${path} is a folder`), { code: 'EISDIR', path });
  return { kind: found.isFile() ? 'replace' : 'direct', path };
}

/**
 * Puts a finished temporary file at `path` as destinationOf says: renamed into place, or its
 * bytes written through (a FIFO, a device) and the temporary removed.
 */
export function putInPlace(temporary: string, destination: Destination): void {
  if (destination.kind === 'replace') return renameSync(temporary, destination.path);
  try {
    writeFileSync(destination.path, readFileSync(temporary));
  } finally {
    rmSync(temporary, { force: true });
  }
}

/**
 * Writes `text` whole at `path`: a regular file (or a new one) under a temporary name renamed
 * into place, so a full disk or a signal never leaves half a file where a whole one is
 * expected; anything else through (destinationOf). `temporaries` learns the temporary name
 * while it exists, so a signal handler can remove it.
 */
export function writeWhole(path: string, text: string | Uint8Array, temporaries?: Set<string>): void {
  const destination = destinationOf(path);
  if (destination.kind === 'direct') return writeFileSync(destination.path, text);
  removeStaleTemporaries(destination.path);
  const temporary = temporaryName(destination.path);
  temporaries?.add(temporary);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, destination.path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  } finally {
    temporaries?.delete(temporary);
  }
}
