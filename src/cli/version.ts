import { readFileSync } from 'node:fs';

/** The tool's version, from package.json (dist/src/cli → the package root), recorded with every run. */
export function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
