// The parser comparison of issue 4: csv-parse, papaparse, udsv and our splitter, correctness
// first (cells equal to csv-parse's on every real sample CSV), then parse-only speed on the
// generated gateway file. Figures for the README, not assertions.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as csvParse } from 'csv-parse/sync';
import Papa from 'papaparse';
import { inferSchema, initParser } from 'udsv';
import { csvSplitter } from '../../src/ingest/csv-records.js';

type Parse = (text: string) => string[][];

const PARSERS: Record<string, Parse> = {
  'csv-parse': (text) => csvParse(text, { bom: true, skip_empty_lines: true, relax_column_count: true }) as string[][],
  papaparse: (text) => Papa.parse<string[]>(text.replace(/^\uFEFF/, ''), { skipEmptyLines: true }).data,
  udsv: (text) => {
    const body = text.replace(/^\uFEFF/, '');
    const parser = initParser(inferSchema(body, { col: ',', encl: '"', header: () => [] }));
    return parser.stringArrs<string[]>(body).filter((row) => !(row.length === 1 && row[0] === ''));
  },
  'chargeback splitter': (text) => {
    const splitter = csvSplitter();
    const rows = [...splitter.push(text), ...splitter.end()];
    return rows.map((r) => ('cells' in r ? r.cells : [`error: ${r.error}`]));
  },
};

export interface ParserFigures {
  parser: string;
  samplesEqual: string;
  seconds: number;
  rowsPerSecond: number;
}

export function compareParsers(dataDir: string, generated: string): ParserFigures[] {
  const samples = ['focus', 'cloud', 'gateway', 'gpu'].flatMap((dir) =>
    readdirSync(join(dataDir, dir)).filter((f) => f.endsWith('.csv')).map((f) => readFileSync(join(dataDir, dir, f), 'utf8')),
  );
  const reference = samples.map((text) => PARSERS['csv-parse']!(text));
  const big = readFileSync(generated, 'utf8');
  return Object.entries(PARSERS).map(([parser, parse]) => {
    const equal = samples.filter((text, i) => {
      try {
        return JSON.stringify(parse(text)) === JSON.stringify(reference[i]);
      } catch {
        return false;
      }
    }).length;
    const start = process.hrtime.bigint();
    const rows = parse(big).length;
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { parser, samplesEqual: `${equal}/${samples.length}`, seconds, rowsPerSecond: rows / seconds };
  });
}
