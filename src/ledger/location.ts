import { withoutPassword } from '../pg-url.js';

/** Where a ledger lives: a SQLite file, or a PostgreSQL database by URL. */
export type LedgerLocation = { kind: 'sqlite'; path: string } | { kind: 'postgresql'; url: string };

export function locationOf(text: string): LedgerLocation {
  return /^postgres(ql)?:\/\//i.test(text) ? { kind: 'postgresql', url: text } : { kind: 'sqlite', path: text };
}

/** How a location is named in messages: a path, or a URL without any password (issue 31). */
export function describeLocation(location: LedgerLocation): string {
  return location.kind === 'sqlite' ? location.path : withoutPassword(location.url);
}
