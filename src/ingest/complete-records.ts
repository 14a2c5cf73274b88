import { Transform, type Readable } from 'node:stream';

/**
 * Only complete records are read (issue 28). A file still being written ends inside its
 * last record: `…,staging,offline-` read as a whole cell would store `offline-` for ever,
 * and the whole row would count as a duplicate once the file is complete. So the bytes after
 * the last record end are held back: not parsed, not rejected, named in the summary, and
 * read by the next ingest of the grown file. A record ends at a line end (LF or CR); in CSV
 * only at one outside quotes (a quoted cell may hold line feeds), which the quotes tell. The
 * bytes passed on are the file's own, only later: what is read is what one whole read reads.
 */
export interface HeldBack {
  /** The line the held-back record starts on (1-based). */
  line: number;
  bytes: number;
}

/** The most bytes held back: a longer line is past what a reader takes as one record (1 MiB of characters). */
const LONGEST_HELD = 1 << 20;

const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;


export function completeRecordsOnly(stream: Readable, csv: boolean): { stream: Readable; heldBack: () => HeldBack | null } {
  let pending: Buffer = Buffer.alloc(0);
  let inQuote = false;
  // Lines passed on so far, and line feeds seen in what is pending.
  let lines = 0;
  let held: HeldBack | null = null;
  const out = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      const data = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const start = pending.length;
      const found = lastRecordEnd(data, start, inQuote, csv);
      inQuote = found.quote;
      // A line this long is rejected by the readers as it comes, complete or not: held, it
      // would sit in memory whole (the readers read on at its end).
      const end = data.length - found.end > LONGEST_HELD ? data.length : found.end;
      if (end > 0) {
        lines += countLineFeeds(data, 0, end);
        this.push(data.subarray(0, end));
      }
      pending = data.subarray(end);
      done();
    },
    flush(done) {
      // Trailing blanks (a CR, spaces) are no record.
      if (pending.length > 0 && pending.toString('utf8').trim() !== '') held = { line: lines + 1, bytes: pending.length };
      else if (pending.length > 0) this.push(pending);
      done();
    },
  });
  stream.on('error', (error) => out.destroy(error));
  return { stream: stream.pipe(out), heldBack: () => held };
}

/**
 * The offset just after the last record end in `data` (0 when none), and whether `data`
 * ends inside quotes. `from` is where the new bytes start: the quote state at `from` is
 * `inQuote` (what was pending before was scanned already).
 */
function lastRecordEnd(data: Buffer, from: number, inQuote: boolean, csv: boolean): { end: number; quote: boolean } {
  if (!csv) {
    const at = Math.max(data.lastIndexOf(LF), data.lastIndexOf(CR));
    return { end: at < 0 ? 0 : at + 1, quote: false };
  }
  // Pending bytes were scanned before and hold no record end: scanning goes on from `from`
  // in the state it had there. A quote opens a quoted cell only at a cell's start (RFC 4180;
  // a stray `5" screen` inside a cell is text); inside one, each quote toggles, so an escaped
  // "" leaves the state as it was and the closing quote ends it.
  let quote = inQuote;
  let end = 0;
  let at = from;
  // Each byte's next quote, LF and CR, found once and kept until passed: searching again
  // from every line would read the rest of the chunk once per line.
  let nextQuote = -2;
  let nextLf = -2;
  let nextCr = -2;
  const ahead = (found: number, byte: number) => (found !== -1 && found < at ? data.indexOf(byte, at) : found);
  for (;;) {
    nextQuote = ahead(nextQuote, QUOTE);
    nextLf = ahead(nextLf, LF);
    nextCr = ahead(nextCr, CR);
    const nextEnd = nextLf < 0 ? nextCr : nextCr < 0 ? nextLf : Math.min(nextLf, nextCr);
    if (nextEnd < 0 && nextQuote < 0) break;
    if (nextEnd >= 0 && (nextQuote < 0 || nextEnd < nextQuote)) {
      if (!quote) end = nextEnd + 1;
      at = nextEnd + 1;
      continue;
    }
    // Outside quotes, a quote right after one that closed is the second of an escaped pair.
    if (quote || nextQuote === 0 || OPENS_AFTER.has(data[nextQuote - 1]!)) quote = !quote;
    at = nextQuote + 1;
  }
  return { end, quote };
}

/** What a quote that opens (or reopens) quotes follows: a delimiter (comma, semicolon, tab), a line end, or a quote. */
const OPENS_AFTER = new Set([0x2c, 0x3b, 0x09, 0x0a, 0x0d, QUOTE]);

function countLineFeeds(data: Buffer, from: number, to: number): number {
  let count = 0;
  for (let at = data.indexOf(LF, from); at >= 0 && at < to; at = data.indexOf(LF, at + 1)) count++;
  return count;
}
