import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal, formatQuantity, parseDecimal, roundCents, toCents } from '../../src/domain/money.js';
import { monthInEffect, monthRange, parseMonth } from '../../src/domain/month.js';

describe('money', () => {
  // SPEC §8.15: half-up rounds a tie away from zero.
  const rounding: [string, string][] = [
    ['0.005', '0.01'],
    ['-0.005', '-0.01'],
    ['0.0049999', '0'],
    ['2.675', '2.68'], // a float would make this 2.67
    ['-2.675', '-2.68'],
    ['38000.5', '38000.5'],
  ];
  for (const [input, expected] of rounding) {
    it(`roundCents(${input}) = ${expected}`, () => assert.equal(roundCents(new Decimal(input)).toFixed(), expected));
  }

  it('parses decimal text and refuses anything else', () => {
    assert.equal(parseDecimal('38000.00')?.toFixed(2), '38000.00');
    assert.equal(parseDecimal('5.64902E-05')?.toFixed(), '0.0000564902');
    assert.equal(parseDecimal('-1.5')?.toFixed(), '-1.5');
    for (const bad of ['', 'abc', '1,000.00', '1.2.3', 'NaN', 'Infinity']) assert.equal(parseDecimal(bad), null, bad);
  });

  it('converts whole cents to BigInt exactly and refuses fractions of a cent', () => {
    assert.equal(toCents(new Decimal('42560.00')), 4256000n);
    assert.equal(toCents(new Decimal('-0.01')), -1n);
    assert.throws(() => toCents(new Decimal('0.001')), /not whole cents/);
  });

  // SPEC §8.16: exact when the decimal terminates, else half-even at 20 places; never an exponent.
  const printing: [Decimal, string][] = [
    [new Decimal('1200'), '1200'],
    [new Decimal('0.0000000123'), '0.0000000123'],
    [new Decimal(1).dividedBy(3), '0.33333333333333333333'],
    [new Decimal(2).dividedBy(3), '0.66666666666666666667'],
    [new Decimal('1e25'), '10000000000000000000000000'],
  ];
  for (const [value, expected] of printing) {
    it(`formatQuantity prints ${expected}`, () => assert.equal(formatQuantity(value), expected));
  }
});

describe('month', () => {
  it('parses YYYY-MM and refuses other shapes', () => {
    assert.deepEqual(parseMonth('2026-10'), { label: '2026-10', year: 2026, month: 10 });
    for (const bad of ['2026-13', '2026-1', '26-10', '2026-10-01', '']) assert.equal(parseMonth(bad), null, bad);
  });

  // [first day 00:00, first day of next month 00:00) in the card's zone (SPEC §4.1).
  const ranges: [string, string, string, string][] = [
    ['2026-10', 'UTC', '2026-10-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z'],
    ['2026-12', 'UTC', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    // Berlin is UTC+2 on 1 Oct (summer time) and UTC+1 on 1 Nov.
    ['2026-10', 'Europe/Berlin', '2026-09-30T22:00:00.000Z', '2026-10-31T23:00:00.000Z'],
    ['2026-03', 'America/New_York', '2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z'],
    ['2026-02', 'Asia/Kolkata', '2026-01-31T18:30:00.000Z', '2026-02-28T18:30:00.000Z'],
  ];
  for (const [label, zone, start, end] of ranges) {
    it(`${label} in ${zone} is [${start}, ${end})`, () => {
      const range = monthRange(parseMonth(label)!, zone);
      assert.equal(new Date(range.startMs).toISOString(), start);
      assert.equal(new Date(range.endMs).toISOString(), end);
    });
  }

  it('checks a month against an effective range with open ends', () => {
    const m = (t: string) => parseMonth(t)!;
    assert.equal(monthInEffect(m('2026-10'), m('2026-01'), m('2026-12')), true);
    assert.equal(monthInEffect(m('2027-01'), m('2026-01'), m('2026-12')), false);
    assert.equal(monthInEffect(m('2025-12'), m('2026-01')), false);
    assert.equal(monthInEffect(m('2030-01'), undefined, undefined), true);
  });
});
