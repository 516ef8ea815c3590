import { Flags } from '@oclif/core';

/** `--all`: read on page after page until the last. */
export const allFlag = Flags.boolean({ description: 'every item: read page after page until the last', default: false });

export interface Paged<T, C> {
  readonly items: readonly T[];
  /** The cursor of the next page; undefined on the last. */
  readonly next: C | undefined;
}

/** One page from `start`, or with `all` every page from it, joined. */
export async function readPages<T, C>(start: C | undefined, all: boolean, read: (cursor: C | undefined) => Promise<Paged<T, C>>): Promise<Paged<T, C>> {
  const items: T[] = [];
  let cursor = start;
  for (;;) {
    const page = await read(cursor);
    items.push(...page.items);
    if (!all || page.next === undefined) return { items, next: page.next };
    cursor = page.next;
  }
}

/** The line that tells how to see the next page, or nothing on the last. */
export function nextPageHint(what: string, command: string, next: string | number | undefined): string | undefined {
  return next === undefined ? undefined : `More ${what}: ${command} ${next} (or --all for every page)`;
}
