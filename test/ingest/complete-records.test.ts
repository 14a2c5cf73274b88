import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { completeRecordsOnly } from '../../src/ingest/complete-records.js';

/** The last record end of a whole CSV text, byte by byte: what the chunked scanner must find wherever the chunks break. */
function referenceEnd(bytes: Buffer): number {
  let quote = false;
  let end = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b === 0x22 && (quote || i === 0 || [0x2c, 0x3b, 0x09, 0x0a, 0x0d, 0x22].includes(bytes[i - 1]!))) quote = !quote;
    else if ((b === 0x0a || b === 0x0d) && !quote) end = i + 1;
  }
  return end;
}

async function passed(chunks: Buffer[], csv: boolean) {
  const { stream, heldBack } = completeRecordsOnly(Readable.from(chunks, { objectMode: false }), csv);
  const out: Buffer[] = [];
  for await (const chunk of stream) out.push(chunk as Buffer);
  return { out: Buffer.concat(out), held: heldBack() };
}

describe('only complete records are passed on (issue 28)', () => {
  it('passes exactly the bytes up to the last record end, however the input is chunked', async () => {
    const text = fc.array(fc.constantFrom('a', ',', '"', '\n', '\r', 'é', ' ', 'x"y'), { maxLength: 60 }).map((parts) => Buffer.from(parts.join('')));
    await fc.assert(fc.asyncProperty(text, fc.array(fc.nat({ max: 70 }), { maxLength: 6 }), async (bytes, cuts) => {
      const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
      const chunks = [0, ...points, bytes.length].slice(1).map((to, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], to)).filter((c) => c.length > 0);
      const { out, held } = await passed(chunks, true);
      const end = referenceEnd(bytes);
      const rest = bytes.subarray(end);
      if (rest.toString('utf8').trim() === '') {
        assert.deepEqual(out, bytes, 'a blank tail is passed on');
        assert.equal(held, null);
      } else {
        assert.deepEqual(out, bytes.subarray(0, end));
        assert.equal(held?.bytes, rest.length);
      }
    }), { numRuns: 500 });
  });
});
