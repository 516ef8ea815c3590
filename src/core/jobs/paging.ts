/**
 * Bacalhau's paging token: base64url without padding of `<SortBy>:<Y|N>:<Limit>:<Offset>`
 * (models/paging_token.go), so a Bacalhau client can page through taho's lists unchanged. A job
 * list's token adds `:<time>:<id>` of the page's last job: the next page seeks past it in the
 * store's index instead of counting `Offset` rows from the start (the token stays opaque to
 * clients; an offset token still works).
 */
export interface PagingToken {
  readonly sortBy: string;
  readonly reverse: boolean;
  readonly limit: number;
  readonly offset: number;
  readonly after?: { readonly time: number; readonly id: string } | undefined;
}

export function encodeToken(t: PagingToken): string {
  const after = t.after === undefined ? '' : `:${t.after.time}:${t.after.id}`;
  return Buffer.from(`${t.sortBy}:${t.reverse ? 'Y' : 'N'}:${t.limit}:${t.offset}${after}`).toString('base64url');
}

/** The token, or a message saying why it is not one. */
export function decodeToken(s: string): PagingToken | string {
  const text = Buffer.from(s, 'base64url').toString('utf8');
  const parts = text.split(':');
  if (parts.length !== 4 && parts.length < 6) return `invalid paging token: ${s}: expected 4 parts, got ${parts.length}`;
  const [sortBy, rev, limit, offset, time] = parts as [string, string, string, string, string | undefined];
  if ((rev !== 'Y' && rev !== 'N') || !/^\d+$/.test(limit) || !/^\d+$/.test(offset)) return `invalid paging token: ${s}: malformed`;
  const base = { sortBy, reverse: rev === 'Y', limit: Number(limit), offset: Number(offset) };
  if (time === undefined) return base;
  const id = parts.slice(5).join(':');
  if (time === '' || !Number.isFinite(Number(time)) || id === '') return `invalid paging token: ${s}: malformed`;
  return { ...base, after: { time: Number(time), id } };
}
