/**
 * Caps the linear memories a core module defines, by rewriting the maximum in its memory
 * section. Worker `resourceLimits` do not bound WebAssembly memory, but a declared maximum does:
 * `memory.grow` past it fails inside the component instead of taking the host's memory.
 */
const PAGE = 65536;

export function limitMemory(module: Uint8Array, maxBytes: number): Uint8Array {
  const maxPages = Math.max(1, Math.floor(maxBytes / PAGE));
  if (module.length < 8 || module[0] !== 0 || module[1] !== 0x61 || module[2] !== 0x73 || module[3] !== 0x6d) return module;
  // Sections are kept as views and joined once: spreading a multi-megabyte code section (a
  // componentize-js engine) into an array overflows the stack.
  const out: Uint8Array[] = [module.subarray(0, 8)];
  let pos = 8;
  let changed = false;
  while (pos < module.length) {
    const id = module[pos] ?? 0;
    const [size, sizeLen] = readU32(module, pos + 1);
    const start = pos + 1 + sizeLen;
    const body = module.subarray(start, start + size);
    if (id === 5) {
      const rewritten = rewriteMemories(body, maxPages);
      changed ||= rewritten !== body;
      out.push(Uint8Array.of(id, ...writeU32(rewritten.length)), rewritten);
    } else {
      out.push(module.subarray(pos, start + size));
    }
    pos = start + size;
  }
  return changed ? concat(out) : module;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function rewriteMemories(body: Uint8Array, maxPages: number): Uint8Array {
  let pos = 0;
  const [count, n] = readU32(body, pos);
  pos += n;
  const out = [...writeU32(count)];
  for (let i = 0; i < count; i++) {
    const flags = body[pos++] ?? 0;
    // memory64 and other future encodings are left alone: too rare to rewrite blind.
    if (flags > 3) return body;
    const [min, minLen] = readU32(body, pos);
    pos += minLen;
    let max: number | undefined;
    if (flags & 1) {
      const [m, maxLen] = readU32(body, pos);
      pos += maxLen;
      max = m;
    }
    const capped = Math.max(min, Math.min(max ?? Number.MAX_SAFE_INTEGER, maxPages));
    out.push(flags | 1, ...writeU32(min), ...writeU32(capped));
  }
  return Uint8Array.from(out);
}

function readU32(bytes: Uint8Array, pos: number): [number, number] {
  let result = 0;
  let shift = 0;
  let len = 0;
  for (;;) {
    const b = bytes[pos + len] ?? 0;
    len += 1;
    result += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) return [result, len];
    shift += 7;
  }
}

function writeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}
