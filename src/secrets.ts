import { createHash } from 'node:crypto';

/** The only form an API key is ever kept in: `sha256:` + the first 12 hex of its SHA-256. */
export function fingerprintKey(rawKey: string): string {
  return `sha256:${createHash('sha256').update(rawKey, 'utf8').digest('hex').slice(0, 12)}`;
}

/** True when the text is already a fingerprint, so it is matched as it is. */
export function isFingerprint(text: string): boolean {
  return /^sha256:[0-9a-f]{12}$/.test(text);
}

/** The last four characters of a key, kept so people can recognise it. */
export function lastFour(rawKey: string): string {
  return rawKey.slice(-4);
}
