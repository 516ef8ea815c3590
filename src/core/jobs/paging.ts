/**
 * Bacalhau's paging token: base64url without padding of `<SortBy>:<Y|N>:<Limit>:<Offset>`
 * (models/paging_token.go), so a Bacalhau client can page through taho's lists unchanged.
 */
export interface PagingToken {
  readonly sortBy: string;
  readonly reverse: boolean;
  readonly limit: number;
  readonly offset: number;
}

export function encodeToken(t: PagingToken): string {
  return Buffer.from(`${t.sortBy}:${t.reverse ? 'Y' : 'N'}:${t.limit}:${t.offset}`).toString('base64url');
}

/** The token, or a message saying why it is not one. */
export function decodeToken(s: string): PagingToken | string {
  const text = Buffer.from(s, 'base64url').toString('utf8');
  const parts = text.split(':');
  if (parts.length !== 4) return `invalid paging token: ${s}: expected 4 parts, got ${parts.length}`;
  const [sortBy, rev, limit, offset] = parts as [string, string, string, string];
  if ((rev !== 'Y' && rev !== 'N') || !/^\d+$/.test(limit) || !/^\d+$/.test(offset)) return `invalid paging token: ${s}: malformed`;
  return { sortBy, reverse: rev === 'Y', limit: Number(limit), offset: Number(offset) };
}
