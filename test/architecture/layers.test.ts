import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
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

/** Each module's static imports within src/ (`import type` included unless `values`), as paths from src/. */
function importGraph(values: boolean): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const all = ['', ...readdirSync(join(ROOT, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)];
  const files = all.flatMap((dir) => (dir === '' ? readdirSync(join(ROOT, 'src')).filter((f) => f.endsWith('.ts')) : sources(dir)));
  for (const file of new Set(files)) {
    const pattern = values ? /^(?:import|export)(?! type)\b[^;]*?\bfrom\s*'(\.[^']+)'/gms : /^(?:import|export)\b[^;]*?\bfrom\s*'(\.[^']+)'/gms;
    const deps = [...text(file).matchAll(pattern)].map((m) => relative(join(ROOT, 'src'), resolve(ROOT, 'src', dirname(file), m[1]!.replace(/\.js$/, '.ts'))));
    graph.set(file, deps);
  }
  return graph;
}

/** The import circles of a graph: its strongly connected parts of more than one module (Tarjan). */
function circles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const part: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        part.push(w);
      } while (w !== v);
      if (part.length > 1) found.push(part.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

/**
 * The layers, bottom up, and what each may import (issue 34): the domain is pure; the ledger
 * holds the SQL; ingest reads files into the ledger; the rate card is read into the domain's
 * types; report turns what the domain computed into views (and reads types of what ingest and
 * the ledger did); cli wires them. Modules at the top of src/ (keys, secrets, csv-text, …) are
 * shared helpers any layer may use, and use only the domain.
 */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  top: ['domain'],
  domain: [],
  ledger: ['domain', 'top'],
  ratecard: ['domain', 'top'],
  ingest: ['domain', 'ledger', 'top'],
  report: ['domain', 'ledger', 'ingest', 'top'],
  cli: ['domain', 'ledger', 'ingest', 'ratecard', 'report', 'top'],
};
const layerOf = (file: string) => (file.includes('/') ? file.split('/')[0]! : 'top');

describe('the layout (issue 34): layers import downwards only, and no module imports itself round a circle', () => {
  it('each layer imports only the layers below it', () => {
    const upward = [...importGraph(false)].flatMap(([file, deps]) => deps
      .filter((d) => layerOf(d) !== layerOf(file) && !(MAY_IMPORT[layerOf(file)] ?? []).includes(layerOf(d)))
      .map((d) => `${file} -> ${d}`));
    assert.deepEqual(upward, []);
  });

  it('no circle of imports anywhere; outside the domain not even through types', () => {
    assert.deepEqual(circles(importGraph(true)), []);
    const typed = circles(importGraph(false)).filter((part) => part.some((f) => layerOf(f) !== 'domain'));
    assert.deepEqual(typed, []);
  });
});
