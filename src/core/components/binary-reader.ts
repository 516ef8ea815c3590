/** Low-level reading of component binaries for wit-reader.ts; errors name what and where. */

export const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

export function unsupported(what: string, opcode: number, offset: number): never {
  throw new Error(`unsupported ${what} opcode ${hex(opcode)} at offset ${offset}`);
}

function decodeUtf8(bytes: Uint8Array, what: string, offset: number): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new Error(`malformed component: ${what} at offset ${offset} is not valid UTF-8`);
  }
}

/** A cursor over a component binary: LEB128 integers, names, vectors and bounded sub-readers. */
export class Reader {
  readonly bytes: Uint8Array;
  readonly end: number;
  pos: number;

  constructor(bytes: Uint8Array, start: number, end: number) {
    this.bytes = bytes;
    this.pos = start;
    this.end = end;
  }

  need(n: number, what: string): void {
    if (this.pos + n <= this.end) return;
    throw new Error(this.end >= this.bytes.length
      ? `truncated component: unexpected end of input at offset ${this.pos} while reading ${what}`
      : `malformed component: ${what} at offset ${this.pos} runs past the end of its section (offset ${this.end})`);
  }

  byte(what: string): number {
    this.need(1, what);
    return this.bytes[this.pos++] ?? 0;
  }

  /** Reports the byte just read as an opcode this reader does not know. */
  fail(what: string, opcode: number): never {
    return unsupported(what, opcode, this.pos - 1);
  }

  /** A 0x00/0x01 discriminant, as in optional immediates. */
  flag(what: string): boolean {
    const b = this.byte(what);
    if (b > 1) this.fail(what, b);
    return b === 1;
  }

  u32(what: string): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte(what);
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80 && result <= 0xffffffff) return result;
      if (b < 0x80) break;
    }
    throw new Error(`malformed component: invalid LEB128 u32 for ${what} at offset ${start}`);
  }

  name(what: string): string {
    const len = this.u32(what);
    this.need(len, what);
    const start = this.pos;
    this.pos += len;
    // Names are almost always ASCII, and building them directly is much cheaper than TextDecoder.
    let text = '';
    for (let i = start; i < start + len; i++) {
      const c = this.bytes[i] ?? 0;
      if (c >= 0x80) return decodeUtf8(this.bytes.subarray(start, start + len), what, start);
      text += String.fromCharCode(c);
    }
    return text;
  }

  /** Skips a name nothing refers to, such as a core export name. */
  skipName(what: string): void {
    const len = this.u32(what);
    this.need(len, what);
    this.pos += len;
  }

  /** Reads a count-prefixed vector; every element takes at least one byte, which bounds the count. */
  vec<T>(what: string, read: () => T): T[] {
    const n = this.u32(what);
    this.need(n, what);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(read());
    return out;
  }

  /** A reader over the next `size` bytes, which this reader then skips. */
  sub(size: number, what: string): Reader {
    this.need(size, what);
    const sub = new Reader(this.bytes, this.pos, this.pos + size);
    this.pos += size;
    return sub;
  }
}
