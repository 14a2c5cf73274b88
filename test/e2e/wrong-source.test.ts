import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { chargeback, fixture, workspace } from './cli.js';

/** Every mix-up of source and file names the source that reads it (issue 16), in one line, exit 2. */
describe('a file ingested with the wrong --source', () => {
  const cases: [string, string, string][] = [
    ['gateway', 'data/cloud/azure-ea_actual-cost_small.csv', 'a billing export (azure): use --source billing'],
    ['gateway', 'data/focus/focus-1.0_sample_multicloud.csv', 'a billing export (focus): use --source billing'],
    ['gateway', 'data/cloud/aws-cur-legacy_sample_anonymous.csv', 'a billing export (aws-cur): use --source billing'],
    ['gateway', 'data/gpu/nvidia-smi_query-gpu_l40s_load.csv', 'GPU telemetry (nvidia-smi): use --source gpu'],
    ['billing', 'golden/gateway.csv', 'a gateway log (csv): use --source gateway'],
    ['billing', 'data/gateway/litellm_spend_logs_payload.json', 'a gateway log (litellm): use --source gateway'],
    ['billing', 'data/gpu/dcgm-exporter_scrape_datadog-fixture.prom', 'GPU telemetry (dcgm): use --source gpu'],
    ['gpu', 'data/focus/focus-1.0_sample_multicloud.csv', 'a billing export (focus): use --source billing'],
    ['gpu', 'golden/gateway.csv', 'a gateway log (csv): use --source gateway'],
  ];
  for (const [source, file, expected] of cases) {
    it(`--source ${source} with ${file}`, () => {
      const { dir } = workspace();
      const run = chargeback(dir, ['ingest', fixture(file), '--source', source, '--rejects', join(dir, 'r.csv')]);
      assert.equal(run.code, 2, run.stdout);
      assert.equal(run.stderr, `chargeback: ${fixture(file)}:1: this looks like ${expected}\n`);
      assert.equal(chargeback(dir, ['batches', '--format', 'json']).stdout.trim(), '[]');
    });
  }
});
