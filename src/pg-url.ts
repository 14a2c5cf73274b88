/*
 * PostgreSQL URLs as the ledger and LiteLLM's database are given them (issue 31): named without
 * their passwords, refused at once when a raw reserved character would misroute them, and
 * given a connection timeout. Shared by src/ledger and src/ingest, so it belongs to neither.
 */

/**
 * A PostgreSQL URL with every password hidden, whatever form it takes: the userinfo's (an
 * empty user too, `postgresql://:pw@host`), read up to the last `@` so that a raw `@` in it
 * hides whole, and a `password` parameter of the query string.
 */
export function withoutPassword(url: string): string {
  const scheme = /^[a-z]+:\/\//i.exec(url)?.[0] ?? '';
  const rest = url.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const userinfo = at < 0 ? '' : rest.slice(0, at);
  const colon = userinfo.indexOf(':');
  const hidden = at < 0 ? rest : `${colon < 0 ? userinfo : `${userinfo.slice(0, colon)}:***`}${rest.slice(at)}`;
  return `${scheme}${hidden.replace(/([?&]password=)[^&#]*/gi, '$1***')}`;
}

/**
 * Why a PostgreSQL URL cannot be read as its writer meant, or null: a raw `@`, `/`, `?` or
 * `#` in the userinfo (a password that was not percent-encoded) would send the connection
 * somewhere else, or nowhere, so it is refused at once with the encoding to use.
 */
export function pgUrlProblem(url: string): string | null {
  const rest = url.replace(/^[a-z]+:\/\//i, '');
  const at = rest.lastIndexOf('@');
  if (at < 0) return null;
  const userinfo = rest.slice(0, at);
  const raw = [...new Set(userinfo.match(/[@/?#]/g) ?? [])];
  if (raw.length === 0) return null;
  const encoded = raw.map((c) => `${c} as ${encodeURIComponent(c)}`).join(', ');
  return `the URL's user or password holds a raw ${raw.map((c) => `"${c}"`).join(', ')}: percent-encode it (${encoded})`;
}

/** Seconds to wait for a connection unless the URL's `connect_timeout` says otherwise (libpq's name). */
export const CONNECT_TIMEOUT_S = 10;

/** The connection timeout a URL asks for, in milliseconds (`connect_timeout=S`), else the default. */
export function connectTimeoutMs(url: string): number {
  const given = /[?&]connect_timeout=(\d+)(?:&|$)/i.exec(url)?.[1];
  return (given === undefined ? CONNECT_TIMEOUT_S : Math.max(1, Number(given))) * 1000;
}
