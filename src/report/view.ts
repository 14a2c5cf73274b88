import { UsageError } from '../domain/errors.js';
import { toCsv } from '../csv-text.js';
import type { Look } from './table.js';

/**
 * A view of some data, one renderer per output format: `table` for people, `json` for
 * programs (snake_case keys, amounts as strings, one documented shape under docs/schemas),
 * and `csv` (or `focus`) where the data is rows. A command's `--format` choices are this
 * table's keys, so a format is offered exactly where it is rendered.
 */
export type View<T> = { table: (data: T, look: Look) => string; json: (data: T) => string } & Partial<Record<string, (data: T, look: Look) => string>>;

/** The formats a view renders, `table` first: what `--format` accepts. */
export const formatsOf = (view: View<never>): string[] => Object.keys(view);

/** Renders `data` as `format`; an unknown format is a usage error (commander's choices catch it first). */
export function render<T>(view: View<T>, format: string, data: T, look: Look): string {
  const renderer = Object.hasOwn(view, format) ? view[format] : undefined;
  if (!renderer) throw new UsageError(`--format: expected one of ${Object.keys(view).join(', ')}, got "${format}"`);
  return renderer(data, look);
}

/** A JSON document as every view prints it: two-space indented, one trailing newline. */
export const asJson = (document: unknown): string => `${JSON.stringify(document, null, 2)}\n`;

/** Rows with a header as CSV: the shape every row view's `csv` shares. */
export const asCsv = (header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string =>
  toCsv([[...header], ...rows.map((row) => row.map((cell) => (cell === null ? '' : String(cell))))]);
