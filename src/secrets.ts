import { createHash } from 'node:crypto';

/** The only form an API key is ever kept in: `sha256:` + the first 12 hex of its SHA-256. */
export function fingerprintKey(rawKey: string): string {
  return `sha256:${createHash('sha256').update(rawKey, 'utf8').digest('hex').slice(0, 12)}`;
}

/** True when the text is already a fingerprint, so it is matched as it is. */
export function isFingerprint(text: string): boolean {
  return /^sha256:[0-9a-f]{12}$/.test(text);
}

/** A key as every reader keeps it: a fingerprint stays as it is, anything else is fingerprinted. */
export function keptKey(value: string): string {
  return isFingerprint(value) ? value : fingerprintKey(value);
}

/** LiteLLM logs the key's SHA-256 in hex: its first 12 are our fingerprint; anything else is a key. */
export function keptHashedKey(value: string): string {
  return isSha256Hex(value) ? `sha256:${value.slice(0, 12).toLowerCase()}` : keptKey(value);
}

export function isSha256Hex(text: string): boolean {
  return /^[0-9a-f]{64}$/i.test(text);
}

/** The last four characters of a key, kept so people can recognise it. */
export function lastFour(rawKey: string): string {
  return rawKey.slice(-4);
}

/**
 * Text shaped like a provider's API key, wherever it sits (a key in a swapped column, a
 * message quoting a cell): OpenAI's, Anthropic's, LiteLLM's and most gateways' `sk-…`,
 * xAI's `xai-…`, Groq's `gsk_…`, Hugging Face's `hf_…`, Google's `AIza…` and AWS access key
 * ids. Fingerprints and SHA-256 hex never match.
 */
const KEY_LIKE = /\b(?:sk-[A-Za-z0-9_-]{16,}|xai-[A-Za-z0-9]{20,}|gsk_[A-Za-z0-9]{20,}|hf_[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{35}|(?:AKIA|ASIA)[0-9A-Z]{16})\b/g;

/** Every key-shaped run of text replaced by its fingerprint. */
export function redactKeyLike(text: string): string {
  return text.replace(KEY_LIKE, (key) => fingerprintKey(key));
}
