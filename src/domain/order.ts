/**
 * Compares two strings by Unicode code point, which is the byte order of their UTF-8
 * encodings (SPEC §4.1 breaks ties "compared as strings, byte order"). JavaScript's `<`
 * compares UTF-16 units, which differs for characters above U+FFFF.
 */
export function compareIds(a: string, b: string): number {
  const left = a[Symbol.iterator]();
  const right = b[Symbol.iterator]();
  for (;;) {
    const x = left.next();
    const y = right.next();
    if (x.done || y.done) return (x.done ? 0 : 1) - (y.done ? 0 : 1);
    const diff = (x.value.codePointAt(0) ?? 0) - (y.value.codePointAt(0) ?? 0);
    if (diff !== 0) return diff;
  }
}

/** The cost centres of statement lines in statement order, the unallocated centre last. */
export function centresInOrder(lines: readonly { costCentre: string }[], unallocated: string): string[] {
  const ids = [...new Set(lines.map((l) => l.costCentre))];
  return [...ids.filter((id) => id !== unallocated), ...ids.filter((id) => id === unallocated)];
}
