import { parse } from 'csv-parse/sync';
import { InputError, UsageError } from '../domain/errors.js';
import { gatewayCsv } from './gateway-csv.js';
import type { Reader } from './reader.js';

/** Every reader. Adding a format is one file and one line here. */
export const READERS: readonly Reader[] = [gatewayCsv];

export const SOURCES = ['gateway'] as const;

/** The reader for `--format`, or the first of the source's readers whose header matches. */
export function chooseReader(source: string, format: string | undefined, headerLine: string, name: string): Reader {
  const candidates = READERS.filter((r) => r.source === source);
  if (candidates.length === 0) {
    throw new UsageError(`unknown --source "${source}": expected one of ${SOURCES.join(', ')}`);
  }
  if (format !== undefined) {
    const reader = candidates.find((r) => r.format === format);
    if (!reader) {
      throw new UsageError(`unknown --format "${format}" for source ${source}: expected one of ${candidates.map((r) => r.format).join(', ')}`);
    }
    return reader;
  }
  const header = splitHeader(headerLine);
  const reader = candidates.find((r) => r.detect(header));
  if (!reader) {
    throw new InputError(name, 1, null,
      `cannot tell the format from the header (columns: ${header.join(', ') || 'none'}); ` +
      `known ${source} formats: ${candidates.map((r) => r.format).join(', ')}; pass --format`);
  }
  return reader;
}

function splitHeader(line: string): string[] {
  try {
    return (parse(line, { relax_quotes: true }) as string[][])[0] ?? [];
  } catch {
    return line.split(',');
  }
}

export type { Reader } from './reader.js';
