import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { schemaOf } from '../../src/ingest/gateway/litellm-db.js';
import { pgUrlProblem, withoutPassword } from '../../src/pg-url.js';
import { chargeback, workspace } from './cli.js';

/*
 * PostgreSQL URLs as operators write them (issue 31): no password in any output, whatever
 * its form; a raw reserved character refused at once with the encoding to use; a server that
 * never answers given up on within the connection timeout; LiteLLM's Prisma URL read in the
 * schema it names.
 */
describe('PostgreSQL URLs (issue 31)', () => {
  const hidden: [string, string][] = [
    ['postgresql://finance:s3cret@db.internal/ledger', 'postgresql://finance:***@db.internal/ledger'],
    ['postgresql://:pw@db/ledger', 'postgresql://:***@db/ledger'],
    ['postgresql://finance@db/ledger?password=s3cret&sslmode=require', 'postgresql://finance@db/ledger?password=***&sslmode=require'],
    ['postgres://u:p@ss@db:5433/ledger', 'postgres://u:***@db:5433/ledger'],
    ['postgresql://u:p%40ss@db/ledger?sslmode=require&PASSWORD=x', 'postgresql://u:***@db/ledger?sslmode=require&PASSWORD=***'],
    ['postgresql://db/ledger', 'postgresql://db/ledger'],
  ];
  for (const [url, shown] of hidden) it(`names ${url} as ${shown}`, () => assert.equal(withoutPassword(url), shown));

  const refused: [string, RegExp | null][] = [
    ['postgresql://u:p@ss@db/ledger', /raw "@": percent-encode it \(@ as %40\)/],
    ['postgresql://u:p/ss@db/ledger', /raw "\/": percent-encode it \(\/ as %2F\)/],
    ['postgresql://u:p#s?s@db/ledger', /raw "#", "\?"/],
    ['postgresql://u:p%40ss@db/ledger', null],
    ['postgresql://db/ledger?sslmode=require', null],
  ];
  for (const [url, problem] of refused) {
    it(`${problem ? 'refuses' : 'takes'} ${url}`, () => {
      const found = pgUrlProblem(url);
      if (problem === null) assert.equal(found, null);
      else assert.match(found ?? '', problem);
    });
  }

  it('a ledger URL with a raw "/" in its password is one line at once, naming the encoding, never the password', () => {
    const { dir } = workspace();
    const started = Date.now();
    const run = chargeback(dir, ['--ledger', 'postgresql://finance:top/secret@127.0.0.1:1/ledger', 'status']);
    assert.equal(run.code, 2);
    assert.ok(Date.now() - started < 5000);
    assert.match(run.stderr, /^chargeback: postgresql:\/\/finance:\*\*\*@127\.0\.0\.1:1\/ledger: the URL's user or password holds a raw "\/": percent-encode it \(\/ as %2F\)\n$/);
    assert.doesNotMatch(run.stderr + run.stdout, /secret/);
  });

  it('a server that accepts and never answers is given up on within connect_timeout: one line, exit 2', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const port = (silent.address() as { port: number }).port;
    try {
      const { dir } = workspace();
      const started = Date.now();
      const run = chargeback(dir, ['--ledger', `postgresql://finance:s3cret@127.0.0.1:${port}/ledger?connect_timeout=1`, 'status']);
      assert.equal(run.code, 2);
      assert.ok(Date.now() - started < 15_000, `${Date.now() - started} ms`);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.match(run.stderr, /^chargeback: postgresql:\/\/finance:\*\*\*@127\.0\.0\.1:\d+\/ledger\?connect_timeout=1: .*timeout/i);
    } finally {
      silent.close();
    }
  });

  it("reads LiteLLM's Prisma URL in the schema it names; refuses a parameter it does not understand", () => {
    assert.equal(schemaOf('postgresql://llm:pw@db:5432/litellm?schema=litellm'), 'litellm');
    assert.equal(schemaOf('postgresql://llm:pw@db:5432/litellm?connection_limit=5&sslmode=require'), null);
    assert.throws(() => schemaOf('postgresql://llm:pw@db/litellm?currentSchema=litellm'), /"currentSchema" is not understood: give the schema as \?schema=NAME/);
  });
});
