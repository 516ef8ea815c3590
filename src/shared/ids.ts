import { createHash } from 'node:crypto';

/** taho's UUID namespace for name-based ids (RFC 9562 v5), so the same name always gives the same id. */
const TAHO_NAMESPACE = 'b7f3c2a4-5d6e-4f80-9a1b-2c3d4e5f6a7b';

export function uuidV5(name: string, namespace: string = TAHO_NAMESPACE): string {
  const ns = Buffer.from(namespace.replaceAll('-', ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The first block of a UUID: enough to tell agents, tasks and jobs apart on screen. */
export function shortId(id: string | null | undefined): string {
  return id === null || id === undefined || id === '' ? '-' : id.slice(0, 8);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** Prefixes shorter than this match too much to be meant (jobs have always asked for 3). */
export const MIN_ID_PREFIX = 3;

/** Something that may be an id or the start of one: hex digits and dashes, as UUIDs and `j-…` ids print. */
export function looksLikeIdPrefix(ref: string): boolean {
  return /^(j-|e-)?[0-9a-f][0-9a-f-]*$/i.test(ref) && ref.length >= MIN_ID_PREFIX;
}

/**
 * The one rule of short ids for every kind: a full id, or a prefix (case-insensitive, at least
 * MIN_ID_PREFIX characters) that starts exactly one id. Several matches are ambiguous, never a guess.
 */
export function matchIdPrefix<T>(ref: string, items: Iterable<T>, idOf: (item: T) => string): { readonly found: readonly T[] } {
  const want = ref.toLowerCase();
  const all = [...items];
  const exact = all.filter((item) => idOf(item).toLowerCase() === want);
  if (exact.length > 0 || want.length < MIN_ID_PREFIX) return { found: exact };
  return { found: all.filter((item) => idOf(item).toLowerCase().startsWith(want)) };
}
