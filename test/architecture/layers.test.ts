import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../e2e/cli.js';

/** Every .ts file under a folder of src/. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, 'src', dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []);
}
const text = (file: string) => readFileSync(join(ROOT, 'src', file), 'utf8');

describe('the layers (STYLE: domain is pure, SQL lives in ledger/)', () => {
  it('domain/ imports nothing but itself and decimal.js, and reads no clock or process', () => {
    for (const file of sources('domain')) {
      // Imports, bare (`import 'x'`) or with from, and re-exports (`export … from 'x'`).
      const imports = [...text(file).matchAll(/^(?:import\b[^;]*?|export\b[^;]*?\bfrom\s*)'([^']+)'/gm)].map((m) => m[1]!);
      assert.deepEqual(imports.filter((i) => !i.startsWith('.') && i !== 'decimal.js'), [], file);
      const outside = imports.filter((i) => i.startsWith('.') && !resolve(ROOT, 'src', dirname(file), i).startsWith(resolve(ROOT, 'src/domain')));
      assert.deepEqual(outside, [], file);
      assert.doesNotMatch(text(file), /new Date\(\)|Date\.now\(|process\./, file);
    }
  });

  it('only ledger/ prepares SQL', () => {
    const outside = ['domain', 'ingest', 'ratecard', 'report', 'cli'].flatMap(sources).filter((f) => /\.prepare\(|\.pragma\(/.test(text(f)));
    assert.deepEqual(outside, []);
  });
});
