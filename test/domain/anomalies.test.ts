import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { describeAnomaly, findAnomalies } from '../../src/domain/anomalies.js';
import { chargeback, workspace } from '../e2e/cli.js';
import { card, events } from './helpers.js';

const day = (d: number) => `2026-10-${String(d).padStart(2, '0')}`;
const usage = (team: string, d: number, tokens: number) => ({ day: d <= 0 ? `2026-09-${30 + d}` : day(d), group: events(team, 'm', { input_tokens: tokens }) });

describe('usage anomalies: a day at 3× or more of the trailing 7-day median', () => {
  // team a: 100 tokens a day from 28 Sep to 7 Oct; 350 on 8 Oct (median 100 → 3.5×: flagged);
  //         250 on 9 Oct (previous 7: 100 ×6 and 350 → median 100 → 2.5×: not flagged)
  // team b: first seen 7 Oct with 100, then 10,000 on 8 Oct: fewer than 3 days before it → not flagged
  const days = [
    ...[-2, -1, 0, 1, 2, 3, 4, 5, 6, 7].map((d) => usage('a', d, 100)), usage('a', 8, 350), usage('a', 9, 250),
    usage('b', 7, 100), usage('b', 8, 10_000),
  ];
  const found = findAnomalies(card('  - { id: p, cost: { fixed: "1.00" }, method: proportional, driver: tokens }'), days, '2026-10');

  it('flags the jump, reads the window across the month boundary, and spares new teams', () => {
    assert.deepEqual(found.map((a) => [a.costCentre, a.day, a.tokens.toFixed(), a.trailingMedian.toFixed(), a.ratio.toFixed()]), [['A', '2026-10-08', '350', '100', '3.5']]);
    assert.equal(describeAnomaly(found[0]!), 'anomaly: A used 350 tokens on 2026-10-08, 3.5× the median 100 of its previous 7 days');
  });

  it('compute and budgets report it as a warning', () => {
    const { dir } = workspace();
    const rows = days.map(({ day: d, group }, i) => `${d}T12:00:00Z,r${i},,u,${group.identity.team},,m,${group.quantities.input_tokens.toFixed()},0,1,ok,,prod`);
    writeFileSync(join(dir, 'u.csv'), `timestamp,request_id,api_key,user,team,project,model,input_tokens,output_tokens,latency_ms,status,tier,environment\n${rows.join('\n')}\n`);
    chargeback(dir, ['ingest', join(dir, 'u.csv'), '--source', 'gateway']);
    writeFileSync(join(dir, 'card.yaml'), 'version: 1\ncurrency: USD\nunallocated: CC-0000\ncost_centres:\n  - { id: A, name: Alpha, match: { team: [a] } }\npools:\n  - { id: p, cost: { fixed: "1.00" }, method: proportional, driver: tokens }\nbudgets:\n  - { cost_centre: A, monthly: "100.00" }\n');
    const compute = chargeback(dir, ['compute', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.match(compute.stderr, /warning: anomaly: A used 350 tokens on 2026-10-08, 3\.5× the median 100 of its previous 7 days/);
    const budgets = chargeback(dir, ['budgets', '--month', '2026-10', '--rate-card', join(dir, 'card.yaml')]);
    assert.match(budgets.stderr, /warning: anomaly: A used 350 tokens on 2026-10-08/);
  });
});
