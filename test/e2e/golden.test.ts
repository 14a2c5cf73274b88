import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fixture } from './cli.js';

/*
 * fixtures/golden/gateway.csv, October 2026 (UTC), ok requests only:
 *
 *   row  when (UTC)                 who                 model        in    out  status   counts?
 *   r1   10-01 00:00                team=search         llama-3-70b  1000  200  ok       yes
 *   r2   10-15 10:00 (12:00+02:00)  user=bot@example    llama-3-70b   500  100  200      yes
 *   r3   10-31 23:59:59.999         team=research       llama-3-70b   250   50  OK       yes (last ms of October)
 *   r4   11-01 00:00                team=search         llama-3-70b  9999 9999  ok       no: November
 *   r5   09-30 23:59:59             team=search         llama-3-70b  8888 8888  ok       no: September
 *   r6   10-05                      team=search         llama-3-70b  5000 5000  500      no: error
 *   r7   10-06                      team=growth         llama-3-70b   100    0  ok       yes → CC-0000 (unmatched)
 *   r8   10-07                      team=search         bge-large      10    0  ok       yes
 *   r9   10-08 15:00 (10:00-05:00)  user=bot@example    bge-large      10    0  ok       yes
 *   r10  1792483200 = 10-20 08:00   team=research       bge-large      10    0  error    no: error
 *   r11  1792483200 = 10-20 08:00   team=research       bge-large      10    0  (empty)  yes: empty is ok
 *
 * chat: C = 1000.00 × 1.12 = 1120.00 = 112000 cents; tokens: 4100 1200, 4200 600, 4300 300, 0000 100; Q = 2200
 *   4100  112000×1200/2200 = 61090 rem 2000      0000  112000×100/2200 = 5090 rem 2000
 *   4200  112000× 600/2200 = 30545 rem 1000      4300  112000×300/2200 = 15272 rem 1600
 *   floors sum 111997: 3 leftover cents → rem 2000 (0000), 2000 (4100), 1600 (4300)
 *   → 0000 50.91, 4100 610.91, 4200 305.45, 4300 152.73          Σ 1120.00
 * embed: C = 100.00 = 10000 cents; one request each for 4100, 4200, 4300 → 3333 rem 1 each;
 *   1 leftover cent, a three-way tie → the smallest id, CC-4100 → 33.34, 33.33, 33.33   Σ 100.00
 * ops (no usage filter: every ok event): C = 5 cents; input tokens 4100 1010, 4200 510, 4300 260, 0000 100; Q = 1880
 *   4100 5×1010/1880 = 2 rem 1290;  4200 5×510/1880 = 1 rem 670;  4300 0 rem 1300;  0000 0 rem 500
 *   2 leftover cents → 4300 (1300), 4100 (1290) → 4100 0.03, 4200 0.01, 4300 0.01, 0000 0.00 (quantity 100: a row)
 * Total 1220.05. CC-4300's name "=Research" is written '=Research (formula escape).
 */
describe('golden: the hand-worked statement', () => {
  it('the golden case statement-csv prints exactly the hand-worked file above', () => {
    assert.equal(readFileSync(fixture('golden/cases/statement-csv/stdout'), 'utf8'), readFileSync(fixture('golden/statement-2026-10.csv'), 'utf8'));
  });

  it('the card timezone moves the month boundary: in Europe/Berlin r5 (09-30 23:59:59Z) is in, r3 (10-31 23:59:59.999Z) is out', () => {
    // Berlin is UTC+2 until 25 October and UTC+1 after: October there is [09-30 22:00Z, 10-31 23:00Z).
    // CC-4100 chat tokens: r1 1200 + r5 17776 = 18976; CC-4300 (research) loses r3, keeps only bge r11.
    const csv = readFileSync(fixture('golden/cases/statement-berlin/stdout'), 'utf8');
    assert.match(csv, /CC-4100,Search,chat,proportional,tokens,18976,/);
    assert.doesNotMatch(csv, /CC-4300,'=Research,chat,/);
  });
});
