import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { allocate } from '../../src/domain/allocate.js';
import { Decimal } from '../../src/domain/money.js';

const w = (id: string, weight: string) => ({ id, weight: new Decimal(weight) });
const asObject = (shares: Map<string, bigint> | null) => (shares ? Object.fromEntries(shares) : null);

describe('allocate: largest remainder in integer cents', () => {
  // total | weights                  | exact shares          | floor + leftover → result
  // 100   | A:1 B:1 C:1              | 33.33… each           | 33,33,33 + 1 → tie → A (smallest id)
  // 100   | C:1 B:1 A:1 (reordered)  | same                  | A gets the cent: order does not matter
  // 10    | A:1 B:2 C:3 (W=6)        | 1.666, 3.333, 5.0     | 1,3,5 + 1 → A (rem 4/6 > B 2/6) → 2,3,5
  // 1     | B:1 A:1                  | 0.5, 0.5              | 0,0 + 1 → tie → A
  // -100  | A:1 B:1 C:1              | split 100, negate     | -34,-33,-33
  // 7     | A:0 B:1                  | 0, 7                  | 0, 7
  // 5     | A:0.5 B:0.25 C:0.25      | scaled to 50,25,25    | 2.5,1.25,1.25 → 2,1,1 + 1 → A (rem .5) → 3,1,1
  // 0     | A:1 B:2                  | 0, 0                  | 0, 0
  // 2     | b:1 B:1 a:1              | byte order: B < a < b | 0,0,0 + 2 → B, a
  // 3     | U+1F600:1 U+FFFF:1       | U+FFFF < U+1F600 by code point (UTF-16 order would flip it) | 1,1 + 1 → U+FFFF
  const cases: [string, bigint, ReturnType<typeof w>[], Record<string, bigint>][] = [
    ['three-way tie goes to the smallest id', 100n, [w('A', '1'), w('B', '1'), w('C', '1')], { A: 34n, B: 33n, C: 33n }],
    ['input order does not change the tie-break', 100n, [w('C', '1'), w('B', '1'), w('A', '1')], { A: 34n, B: 33n, C: 33n }],
    ['largest remainder wins the leftover cent', 10n, [w('A', '1'), w('B', '2'), w('C', '3')], { A: 2n, B: 3n, C: 5n }],
    ['a single cent between equals goes to the smaller id', 1n, [w('B', '1'), w('A', '1')], { A: 1n, B: 0n }],
    ['a negative total is split as its absolute value and negated', -100n, [w('A', '1'), w('B', '1'), w('C', '1')], { A: -34n, B: -33n, C: -33n }],
    ['a zero weight gets nothing', 7n, [w('A', '0'), w('B', '1')], { A: 0n, B: 7n }],
    ['decimal weights are scaled exactly', 5n, [w('A', '0.5'), w('B', '0.25'), w('C', '0.25')], { A: 3n, B: 1n, C: 1n }],
    ['a zero total gives zero shares', 0n, [w('A', '1'), w('B', '2')], { A: 0n, B: 0n }],
    ['ids compare in byte order, upper case first', 2n, [w('b', '1'), w('B', '1'), w('a', '1')], { B: 1n, a: 1n, b: 0n }],
    ['ids above U+FFFF compare by code point', 3n, [w('\u{1F600}', '1'), w('\uFFFF', '1')], { '\uFFFF': 2n, '\u{1F600}': 1n }],
  ];
  for (const [name, total, weights, expected] of cases) {
    it(name, () => assert.deepEqual(asObject(allocate(total, weights)), expected));
  }

  it('returns null when every weight is zero (the caller decides where the cost goes)', () => {
    assert.equal(allocate(100n, [w('A', '0'), w('B', '0')]), null);
    assert.equal(allocate(100n, []), null);
  });

  it('refuses negative weights and duplicate ids', () => {
    assert.throws(() => allocate(100n, [w('A', '-1'), w('B', '2')]), /negative/);
    assert.throws(() => allocate(100n, [w('A', '1'), w('A', '2')]), /duplicate/);
  });

  it('stays exact where a float would not: 10^30 cents over weights with 18 decimals', () => {
    // A's exact share is (10^30 + 1) × 10^-18 = 10^12 + 10^-18 → floor 10^12, remainder tiny;
    // B's is 10^30 + 1 − that → floor 10^30 − 10^12, remainder 1 − 10^-18: B takes the leftover cent.
    const total = 10n ** 30n + 1n;
    const shares = allocate(total, [w('A', '0.000000000000000001'), w('B', '0.999999999999999999')]);
    assert.deepEqual(asObject(shares), { A: 10n ** 12n, B: 10n ** 30n - 10n ** 12n + 1n });
  });
});

describe('allocate: properties', () => {
  const weightText = fc.oneof(
    fc.constant('0'),
    fc.bigInt({ min: 0n, max: 10n ** 12n }).map(String),
    fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 6n }), fc.bigInt({ min: 0n, max: 10n ** 6n })).map(([a, b]) => `${a}.${b}`),
  );
  const weights = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 6 }), weightText), {
    minLength: 1,
    maxLength: 25,
    selector: ([id]) => id,
  });
  const total = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n });

  it('shares sum to the total, to the cent, and have the sign of the total', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const shares = allocate(t, ws.map(([id, x]) => w(id, x)));
        if (shares === null) return ws.every(([, x]) => new Decimal(x).isZero());
        const values = [...shares.values()];
        assert.equal(values.reduce((a, b) => a + b, 0n), t);
        for (const v of values) assert.ok(t >= 0n ? v >= 0n : v <= 0n);
        return true;
      }),
      { numRuns: 500 },
    );
  });

  it('a zero weight gets zero, and each share is within one cent of its exact value', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const shares = allocate(t, ws.map(([id, x]) => w(id, x)));
        if (shares === null) return true;
        const sumW = ws.reduce((acc, [, x]) => acc.plus(x), new Decimal(0));
        for (const [id, x] of ws) {
          const exact = new Decimal(t.toString()).times(x).dividedBy(sumW);
          const share = new Decimal((shares.get(id) ?? 0n).toString());
          if (new Decimal(x).isZero()) assert.equal(shares.get(id), 0n);
          assert.ok(share.minus(exact).abs().lessThan(1), `${id}: ${share} vs exact ${exact}`);
        }
        return true;
      }),
      { numRuns: 300 },
    );
  });

  it('does not depend on the order of the weights', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const one = allocate(t, ws.map(([id, x]) => w(id, x)));
        const two = allocate(t, [...ws].reverse().map(([id, x]) => w(id, x)));
        const three = allocate(t, [...ws.slice(1), ...ws.slice(0, 1)].map(([id, x]) => w(id, x)));
        assert.deepEqual(asObject(one), asObject(two));
        assert.deepEqual(asObject(one), asObject(three));
      }),
      { numRuns: 300 },
    );
  });
});
