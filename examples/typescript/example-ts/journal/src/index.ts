// example-ts/journal: a durable agent's state is whatever its module holds; taho keeps it by
// replaying calls (with the clock readings they saw) and by the snapshots below.
import type { Tally } from 'example-ts:journal/journal';

const counts = new Map<string, number>();
let lastAt: string | undefined;

export function write(text: string): number {
  for (const word of text.toLowerCase().match(/[a-z0-9']+/g) ?? []) counts.set(word, (counts.get(word) ?? 0) + 1);
  lastAt = new Date().toISOString();
  return counts.size;
}

export function top(n: number): Tally[] {
  return [...counts]
    .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1))
    .slice(0, n)
    .map(([word, count]) => ({ word, count }));
}

export function lastWritten(): string | undefined {
  return lastAt;
}

// Snapshots: "J1" then JSON. The version prefix lets a later build refuse (throw) a snapshot it
// cannot read, and taho then replays the whole oplog instead.
const MAGIC = 'J1';

export const saveSnapshot = {
  save(): Uint8Array {
    return new TextEncoder().encode(MAGIC + JSON.stringify({ counts: [...counts], lastAt }));
  },
};

export const loadSnapshot = {
  load(bytes: Uint8Array): void {
    const text = new TextDecoder().decode(bytes);
    if (!text.startsWith(MAGIC)) throw `not a journal snapshot (${text.slice(0, 2)})`;
    const saved = JSON.parse(text.slice(MAGIC.length)) as { counts: [string, number][]; lastAt?: string };
    counts.clear();
    for (const [word, count] of saved.counts) counts.set(word, count);
    lastAt = saved.lastAt;
  },
};
