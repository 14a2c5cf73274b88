import { readdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

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
