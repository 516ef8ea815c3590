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
