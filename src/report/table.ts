import { Chalk } from 'chalk';
import Table from 'cli-table3';
import stringWidth from 'string-width';

/** How a view should look where it is printed: colour, the terminal's width, everything or not. */
export interface Look {
  colour: boolean;
  /** Columns available; Infinity with --wide. */
  width: number;
}

export const PLAIN: Look = { colour: false, width: Infinity };

/**
 * A column of a terminal table. `drop` ranks the columns a narrow terminal loses first (1
 * first); a column without one always stays. `shrink` columns may be cut short with "…" when
 * dropping is not enough: long free text, never an amount.
 */
export interface Column {
  head: string;
  align?: 'left' | 'right';
  drop?: number;
  shrink?: boolean;
}

export type Style = 'bold' | 'yellow' | 'red' | 'green';
export type Cell = string | number | { text: string; style: Style };

export interface TableSpec {
  columns: readonly Column[];
  rows: readonly (readonly Cell[])[];
}

/** No rule between rows: a table reads as a list, totals stand out by weight. */
const COMPACT = { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' };
const NARROWEST = 6;

const textOf = (cell: Cell): string => (typeof cell === 'object' ? cell.text : String(cell));
const widest = (text: string): number => Math.max(0, ...text.split('\n').map((line) => stringWidth(line)));

/**
 * The table at the terminal's width, never wrapped: the lowest-ranked columns are dropped in
 * their stated order, then `shrink` columns are cut with "…"; a note names what was left out.
 */
export function fitTable(table: TableSpec, look: Look): string {
  const spec = { ...table, rows: table.rows.map((row) => row.map(bounded)) };
  let shown = spec.columns.map((_, i) => i);
  const dropped: string[] = [];
  const droppable = () => shown.filter((i) => spec.columns[i]!.drop !== undefined)
    .sort((a, b) => spec.columns[a]!.drop! - spec.columns[b]!.drop! || b - a);
  let text = render(spec, shown, look, null);
  while (widest(text) > look.width && droppable().length > 0) {
    const lost = droppable()[0]!;
    shown = shown.filter((i) => i !== lost);
    dropped.push(spec.columns[lost]!.head);
    text = render(spec, shown, look, null);
  }
  if (widest(text) > look.width) text = render(spec, shown, look, shrunk(spec, shown, look.width));
  const note = dropped.length === 0 ? [] : wrapped(`(not shown at ${look.width} columns: ${dropped.join(', ')}; --wide shows them)`, look.width);
  return [...text.split('\n').map((line) => cut(line, look.width)), ...note].join('\n');
}

/**
 * The most characters a cell shows in a terminal table, even with --wide: measuring the width
 * of text costs more than its length, and a 100,000-character name took minutes to fit (and,
 * working, never heard SIGTERM). JSON and CSV carry the whole text.
 */
const MOST_CHARACTERS = 1024;

function bounded(cell: Cell): Cell {
  const text = textOf(cell);
  if (text.length <= MOST_CHARACTERS) return cell;
  // Never half a surrogate pair.
  const end = /[\ud800-\udbff]/.test(text[MOST_CHARACTERS - 2]!) ? MOST_CHARACTERS - 2 : MOST_CHARACTERS - 1;
  const short = `${text.slice(0, end)}…`;
  return typeof cell === 'object' ? { ...cell, text: short } : short;
}

/** A note in lines of at most `width`, broken between words (it is prose, not a row). */
function wrapped(text: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of text.split(' ')) {
    const last = lines.length - 1;
    if (last >= 0 && stringWidth(`${lines[last]} ${word}`) <= width) lines[last] = `${lines[last]} ${word}`;
    else lines.push(cut(word, width));
  }
  return lines;
}

function render(spec: TableSpec, shown: readonly number[], look: Look, widths: (number | null)[] | null): string {
  const chalk = new Chalk({ level: look.colour ? 1 : 0 });
  const table = new Table({
    // Coloured here, not by cli-table3's style.head: its colours library decides by its own
    // terminal detection, so --color always lost the header colour when stdout was a pipe.
    head: shown.map((i) => chalk.cyan(spec.columns[i]!.head)),
    colAligns: shown.map((i) => spec.columns[i]!.align ?? 'left'),
    style: { head: [], border: [] },
    chars: COMPACT,
    wordWrap: false,
    ...(widths ? { colWidths: widths } : {}),
  });
  for (const row of spec.rows) {
    table.push(shown.map((i) => {
      const cell = row[i] ?? '';
      return typeof cell === 'object' ? chalk[cell.style](cell.text) : String(cell);
    }));
  }
  return table.toString();
}

/** Column widths that fit: each `shrink` column, widest first, gives up what the table is over. */
function shrunk(spec: TableSpec, shown: readonly number[], width: number): (number | null)[] {
  const natural = shown.map((i) => Math.max(stringWidth(spec.columns[i]!.head), ...spec.rows.map((r) => widest(textOf(r[i] ?? '')))) + 2);
  let over = natural.reduce((a, b) => a + b, 0) + shown.length + 1 - width;
  const order = shown.map((_, k) => k).filter((k) => spec.columns[shown[k]!]!.shrink).sort((a, b) => natural[b]! - natural[a]!);
  const widths = [...natural];
  for (const k of order) {
    if (over <= 0) break;
    const give = Math.min(over, widths[k]! - NARROWEST);
    if (give > 0) {
      widths[k] = widths[k]! - give;
      over -= give;
    }
  }
  return widths;
}

/** The last resort that keeps the promise never to wrap: a line longer than the width ends in "…". */
function cut(line: string, width: number): string {
  if (stringWidth(line) <= width) return line;
  // eslint-disable-next-line no-control-regex
  const plain = line.replace(/\x1b\[[0-9;]*m/g, '');
  // The longest start that fits, found by halving (width grows with length): a few measures, not one per character.
  let [fits, over] = [0, plain.length];
  while (over - fits > 1) {
    const mid = (fits + over) >> 1;
    if (stringWidth(plain.slice(0, mid)) <= width - 1) fits = mid;
    else over = mid;
  }
  return `${plain.slice(0, fits)}…`;
}
