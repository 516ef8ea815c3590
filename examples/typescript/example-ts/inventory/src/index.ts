// example-ts/inventory: every WIT type maps to a plain TypeScript one (generated/inventory.d.ts):
// records are objects with camelCase fields, lists arrays, an option is the value or undefined,
// u64 is a bigint, and a result is the return value, its err a thrown value.
import type { Item, OrderLine, Summary } from 'example-ts:inventory/inventory';

export function inStock(items: Item[], minQty: number): Item[] {
  return items.filter((i) => i.qty >= minQty);
}

export function find(items: Item[], sku: string): Item | undefined {
  return items.find((i) => i.sku === sku);
}

export function summarize(items: Item[]): Summary {
  return {
    lines: items.length,
    units: items.reduce((n, i) => n + i.qty, 0),
    totalCents: items.reduce((n, i) => n + BigInt(i.qty) * BigInt(i.priceCents), 0n),
  };
}

export function parseLine(line: string): OrderLine {
  const m = /^\s*(\S+)\s+x\s+(\d+)\s*$/.exec(line);
  if (!m) throw `"${line}" is not "<sku> x <qty>"`;
  const qty = Number(m[2]);
  if (qty === 0 || qty > 0xffffffff) throw `a quantity of ${m[2]} cannot be ordered`;
  return { sku: m[1] ?? '', qty };
}
