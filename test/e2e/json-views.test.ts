import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { chargeback, fixture, ROOT, workspace } from './cli.js';

/*
 * Every view's JSON (issue 18): one documented shape per view, a JSON Schema under
 * docs/schemas, checked here on real output of the SPEC example; keys are snake_case
 * everywhere and amounts are strings, never numbers.
 */
const SCHEMAS = join(ROOT, 'docs/schemas');
const ajv = new Ajv({ allErrors: true, strict: true });
for (const file of readdirSync(SCHEMAS)) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, file), 'utf8')), file.replace('.schema.json', ''));

/** Every key anywhere in a document, and every number that sits where money would. */
function keysOf(value: unknown, path = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keysOf(v, `${path}.${k}`)]);
}

function setup() {
  const { dir } = workspace();
  const card = fixture('spec-example/ratecard.yaml');
  const run = (args: string[]) => chargeback(dir, args);
  assert.equal(run(['ingest', fixture('spec-example/gateway-2026-10.csv'), '--source', 'gateway']).code, 0);
  assert.equal(run(['compute', '-m', '2026-10', '-r', card]).code, 0);
  return { run, card };
}

describe('every view speaks JSON in one documented shape (docs/schemas)', () => {
  const { run, card } = setup();
  const cases: [string, string[]][] = [
    ['statement', ['statement', '-m', '2026-10', '-f', 'json']],
    ['compute', ['compute', '-m', '2026-10', '-r', card, '--dry-run', '-f', 'json']],
    ['runs', ['runs', '-f', 'json']],
    ['explain', ['explain', '-m', '2026-10', '--cost-centre', 'CC-4100', '-f', 'json']],
    ['unit-costs', ['explain', '-m', '2026-10', '--by', 'tag.env', '-f', 'json']],
    ['diff', ['diff', '-m', '2026-10', '-r', card, '-f', 'json']],
    ['ratecard', ['ratecard', 'validate', card, '-m', '2026-10', '-f', 'json']],
    ['batches', ['batches', '-f', 'json']],
    ['batch-check', ['batches', '--verify', '-f', 'json']],
    ['billing-summary', ['billing', 'summary', '-m', '2026-10', '-f', 'json']],
    ['gpu-summary', ['gpu', 'summary', '-m', '2026-10', '-f', 'json']],
    ['budgets', ['budgets', '-m', '2026-10', '-r', card, '--as-of', '2026-10-20', '-f', 'json']],
    ['journal', ['export', 'erp', '-m', '2026-10', '-f', 'json']],
    ['status', ['status', '-f', 'json']],
    ['ingest', ['ingest', fixture('spec-example/gateway-2026-10.csv'), fixture('golden/gateway.csv'), '--source', 'gateway', '--report-format', 'json']],
    ['runs-verify', ['runs', '--verify', '1', '-f', 'json']],
    ['ledger-copy', ['ledger', 'copy', '--from', 'chargeback.db', '--to', 'copy.db', '-f', 'json']],
  ];
  for (const [schema, args] of cases) {
    it(`${args.slice(0, args[1]?.startsWith('-') || args[1]?.includes('/') ? 1 : 2).join(' ')} matches docs/schemas/${schema}.schema.json`, () => {
      const result = run(args);
      assert.equal(result.code, 0, result.stderr);
      const document = JSON.parse(result.stdout) as unknown;
      const valid = ajv.getSchema(schema)!;
      assert.ok(valid(document), `${schema}: ${ajv.errorsText(valid.errors)}`);
      const notSnake = keysOf(document).filter((k) => !/^[a-z][a-z0-9_]*$/.test(k.slice(k.lastIndexOf('.') + 1)));
      assert.deepEqual(notSnake, []);
    });
  }

  // Failures (issue 31): one error document on stdout, the same exit code, the line on stderr too.
  const failures: [string, string[], number, (error: { file: string | null; line: number | null; problems?: unknown[] }) => void][] = [
    ['a rate card with mistakes', ['ratecard', 'validate', fixture('golden/cases/error-rate-card-with-several-problems/worse.yaml'), '-f', 'json'], 2,
      (e) => assert.ok((e.problems ?? []).length > 0)],
    ['a run that is not there', ['runs', '--verify', '99', '-f', 'json'], 2, (e) => assert.equal(e.file, null)],
    ['an unknown option', ['statement', '-m', '2026-10', '--nope', '-f', 'json'], 2, () => undefined],
    ['a file that cannot be read', ['ingest', 'missing.csv', '--source', 'gateway', '--report-format', 'json'], 2, () => undefined],
  ];
  for (const [what, args, code, check] of failures) {
    it(`${what}: -f json prints one error document (docs/schemas/error.schema.json), exit ${code}`, () => {
      const result = run(args);
      assert.equal(result.code, code, result.stderr);
      assert.match(result.stderr, /^chargeback: /);
      const document = JSON.parse(result.stdout) as { error: { message: string; file: string | null; line: number | null } };
      const valid = ajv.getSchema('error')!;
      assert.ok(valid(document), ajv.errorsText(valid.errors));
      assert.ok(result.stderr.startsWith(`chargeback: ${document.error.message}`), result.stderr);
      check(document.error);
    });
  }

  it('covers every schema under docs/schemas', () => {
    assert.deepEqual([...cases.map(([s]) => s), 'error'].sort(), readdirSync(SCHEMAS).map((f) => f.replace('.schema.json', '')).sort());
  });

  it('compute --dry-run stores nothing: the run list is unchanged', () => {
    const before = run(['runs', '-f', 'json']).stdout;
    const dry = run(['compute', '-m', '2026-10', '-r', card, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^Showback 2026-10 \(dry run: nothing stored\)/);
    assert.equal(run(['runs', '-f', 'json']).stdout, before);
    const both = run(['compute', '-m', '2026-10', '-r', card, '--dry-run', '--close']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^chargeback: --dry-run stores nothing, so it cannot --close the month: drop one of them \(see "chargeback compute --help"\)\n$/);
  });

  it('an unknown format is a usage error naming the formats, exit 2', () => {
    const result = run(['batches', '--format', 'yaml']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^chargeback: option '-f, --format <format>' argument 'yaml' is invalid\. Allowed choices are table, json, csv\.\n\(run "chargeback batches --help" for usage and examples\)\n$/);
    assert.equal(result.stdout, '');
  });
});
