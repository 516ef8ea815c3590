import { describe, expect, it } from 'vitest';
import { limitMemory } from './memory-limit.js';

/** A core module with one memory (min 1, no max) and a custom section of 4 MB. */
function bigModule(): Uint8Array {
  const padding = 4 * 1024 * 1024;
  const head = [0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 5, 3, 1, 0, 1, 0, 0x82, 0x80, 0x80, 0x02, 1, 0x78]; // custom "x", size 2 + 4 MB
  const out = new Uint8Array(head.length + padding);
  out.set(head);
  return out;
}

describe('limitMemory', () => {
  it('caps the memory of a module with a section of megabytes (a componentize-js engine is 12 MB)', () => {
    const limited = limitMemory(bigModule(), 2 * 65536);
    // The memory type gained its maximum: flags 1, min 1, max 2.
    expect([...limited.subarray(8, 14)]).toEqual([5, 4, 1, 1, 1, 2]);
    expect(new WebAssembly.Module(limited as Uint8Array<ArrayBuffer>)).toBeInstanceOf(WebAssembly.Module);
  });
});
