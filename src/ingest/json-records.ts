/**
 * Splits JSON input into top-level objects, streaming, with the line each starts on. Three
 * shapes are read: JSON lines (one object per line: a broken line is rejected alone), a JSON
 * array of objects, and one or more pretty-printed objects one after another. Values are
 * parsed with JSON.parse; only the boundaries between them are found here.
 */
export type JsonRecord =
  | { line: number; value: unknown; text: string }
  | { line: number; error: string; raw: string };

export interface JsonSplitter {
  push(text: string): JsonRecord[];
  end(): JsonRecord[];
}

/** A value may not grow past this: one broken brace can never hold a whole file in memory. */
export const MAX_JSON_VALUE_CHARS = 16 << 20;

export function jsonSplitter(): JsonSplitter {
  let mode: 'start' | 'lines' | 'values' = 'start';
  let buffer = '';
  let line = 1; // the line `buffer` starts on
  let first = true;

  // State of the value scanner (array and pretty-printed shapes).
  let inString = false;
  let escaped = false;
  let depth = 0;
  let arrayDepth = 0; // 1 inside a top-level array
  let valueStart = -1;
  let valueLine = 0;
  let scanned = 0;
  let scanLine = 1;

  function parse(text: string, at: number): JsonRecord {
    try {
      return { line: at, value: JSON.parse(text), text };
    } catch (error) {
      return { line: at, error: `unreadable JSON: ${(error as Error).message}`, raw: text };
    }
  }

  function takeLines(out: JsonRecord[], final: boolean): void {
    let from = 0;
    for (let at = buffer.indexOf('\n', from); at >= 0; at = buffer.indexOf('\n', from)) {
      const text = buffer.slice(from, at).trim();
      if (text !== '') out.push(parse(text, line));
      line++;
      from = at + 1;
    }
    buffer = buffer.slice(from);
    if (final && buffer.trim() !== '') out.push(parse(buffer.trim(), line));
  }

  function scanValues(out: JsonRecord[]): void {
    for (let i = scanned; i < buffer.length; i++) {
      const c = buffer.charCodeAt(i);
      if (c === 10) scanLine++;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 92) escaped = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 34) {
        inString = true;
        if (valueStart < 0) startValue(i);
      } else if (c === 123 || c === 91) {
        if (valueStart < 0 && c === 91 && depth === 0 && arrayDepth === 0) {
          arrayDepth = 1;
          depth = 1;
          continue;
        }
        if (valueStart < 0) startValue(i);
        depth++;
      } else if (c === 125 || c === 93) {
        depth--;
        if (valueStart >= 0 && depth === arrayDepth) endValue(i + 1, out);
        else if (depth < arrayDepth) arrayDepth = 0; // the top-level array closed
      } else if (valueStart < 0 && c > 32 && c !== 44) {
        startValue(i); // a bare number, true, false or null: read to the next separator below
      } else if (valueStart >= 0 && depth === arrayDepth && (c === 44 || c <= 32)) {
        endValue(i, out);
      }
    }
    scanned = buffer.length;
    if (valueStart < 0) {
      // Nothing open: drop what was read.
      buffer = '';
      scanned = 0;
      line = scanLine;
    } else if (valueStart > 0) {
      buffer = buffer.slice(valueStart);
      scanned -= valueStart;
      valueStart = 0;
    }
  }

  function startValue(i: number): void {
    valueStart = i;
    valueLine = scanLine;
  }

  function endValue(end: number, out: JsonRecord[]): void {
    out.push(parse(buffer.slice(valueStart, end), valueLine));
    valueStart = -1;
  }

  function decide(): void {
    const text = buffer.replace(/^\uFEFF/, '');
    const start = text.search(/\S/);
    if (start < 0) return;
    const newline = text.indexOf('\n', start);
    if (text[start] === '[') mode = 'values';
    else if (newline < 0) return; // wait for a whole first line
    else {
      try {
        JSON.parse(text.slice(start, newline));
        mode = 'lines';
      } catch {
        mode = 'values';
      }
    }
    buffer = text;
  }

  return {
    push(text) {
      const out: JsonRecord[] = [];
      buffer += first ? text.replace(/^\uFEFF/, '') : text;
      first = false;
      if (mode === 'start') decide();
      if (mode === 'lines') takeLines(out, false);
      if (mode === 'values') {
        scanValues(out);
        if (buffer.length > MAX_JSON_VALUE_CHARS) throw new JsonTooLong(valueLine);
      }
      return out;
    },
    end() {
      const out: JsonRecord[] = [];
      if (mode === 'start') {
        if (buffer.trim() === '') return out;
        mode = 'lines';
      }
      if (mode === 'lines') takeLines(out, true);
      else {
        scanValues(out);
        if (valueStart >= 0) out.push(parse(buffer.slice(valueStart), valueLine));
      }
      buffer = '';
      return out;
    },
  };
}

/** A value that never ends: the input is broken past where a row can be rejected alone. */
export class JsonTooLong extends Error {
  constructor(readonly line: number) {
    super(`a JSON value starting here runs past ${MAX_JSON_VALUE_CHARS} characters: is a closing brace or quote missing?`);
  }
}
