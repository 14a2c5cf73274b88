import { stringify } from 'csv-stringify/sync';

/**
 * Rows as CSV with `\n` line ends. A cell holding a bare CR or LF is always quoted: many
 * readers take a lone CR for a line break, and csv-stringify quotes only the line end it writes.
 */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return stringify(rows as string[][], { record_delimiter: 'unix', quoted_match: /[\r\n]/ });
}
