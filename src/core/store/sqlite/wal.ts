import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** What a WAL file holds, read the way SQLite replays it, and what SQLite would drop. */
export interface WalState {
  /** Bytes in the file (0: no file). */
  readonly bytes: number;
  /** Whole frames in the file (any generation). */
  readonly frames: number;
  /** Transactions SQLite replays: committed frames of the current generation before any break. */
  readonly commits: number;
  /** The first frame SQLite stops at (a bad checksum or salt), or null when it replays to the end. */
  readonly breakAt: number | null;
  /**
   * Committed transactions after the break that SQLite would silently drop: frames of this
   * generation whose checksums chain correctly past the damaged one. A torn write at the tail (a
   * transaction never committed) is not counted: dropping it is right.
   */
  readonly lost: number;
  /** The header itself is damaged: SQLite ignores the whole file. */
  readonly headerDamaged: boolean;
  readonly pageSize: number | null;
  /** Pages the replayed transactions hold: a file shorter than its header may have them here (a checkpoint cut short by a full disk). */
  readonly pagesHeld: ReadonlySet<number>;
}

const HEADER = 32;
const FRAME_HEADER = 24;

/**
 * Reads a WAL file before SQLite opens it (SQLite replays up to the first bad frame and drops the
 * rest without a word). A writer of another process may be appending meanwhile: the header is
 * read again at the end, and a changed one means another try.
 */
export function readWal(path: string, dbPageSize: number | null): WalState {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return { bytes: 0, frames: 0, commits: 0, breakAt: null, lost: 0, headerDamaged: false, pageSize: null, pagesHeld: new Set() };
  }
  try {
    for (let attempt = 0; ; attempt++) {
      const before = readAt(fd, 0, HEADER);
      const state = scan(fd, before, dbPageSize);
      const after = readAt(fd, 0, HEADER);
      if (before.equals(after) || attempt >= 3) return state;
    }
  } finally {
    closeSync(fd);
  }
}

function scan(fd: number, header: Buffer, dbPageSize: number | null): WalState {
  const bytes = fstatSync(fd).size;
  const empty = { bytes, frames: 0, commits: 0, breakAt: null, lost: 0, headerDamaged: false, pageSize: null, pagesHeld: new Set<number>() };
  if (bytes < HEADER) return empty;
  const magic = header.readUInt32BE(0);
  const bigEndian = magic === 0x377f0683;
  const pageSize = header.readUInt32BE(8);
  const validPage = pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0;
  const frameSize = FRAME_HEADER + (validPage ? pageSize : (dbPageSize ?? 4096));
  const frames = Math.floor((bytes - HEADER) / frameSize);
  const sum = checksum(header.subarray(0, 24), [0, 0], bigEndian);
  const headerOk = (magic === 0x377f0682 || bigEndian) && header.readUInt32BE(4) === 3007000 && validPage
    && (dbPageSize === null || dbPageSize === pageSize)
    && sum[0] === header.readUInt32BE(24) && sum[1] === header.readUInt32BE(28);
  if (!headerOk) return { ...empty, frames, headerDamaged: frames > 0, pageSize: validPage ? pageSize : null };
  const salt1 = header.readUInt32BE(16);
  const salt2 = header.readUInt32BE(20);
  let seed: [number, number] = sum;
  let commits = 0;
  let lost = 0;
  let breakAt: number | null = null;
  const held = new Set<number>();
  let pending: number[] = [];
  // Frames are read a chunk at a time: one read per frame costs more than their checksums.
  const perChunk = Math.max(1, Math.floor((1 << 20) / frameSize));
  let chunk: Buffer = Buffer.alloc(0);
  let chunkStart = 0;
  for (let i = 0; i < frames; i++) {
    if (i - chunkStart >= perChunk || i === 0) {
      chunkStart = i;
      chunk = readAt(fd, HEADER + i * frameSize, Math.min(perChunk, frames - i) * frameSize);
    }
    const frame = chunk.subarray((i - chunkStart) * frameSize, (i - chunkStart + 1) * frameSize);
    const stored: [number, number] = [frame.readUInt32BE(16), frame.readUInt32BE(20)];
    const saltsMatch = frame.readUInt32BE(8) === salt1 && frame.readUInt32BE(12) === salt2;
    // A frame of an earlier generation (other salts: the WAL restarted over it after a checkpoint)
    // counts for nothing either way; its checksum is not worked out (most of a large WAL file is
    // such frames).
    const computed = saltsMatch ? checksum(frame.subarray(FRAME_HEADER), checksum(frame.subarray(0, 8), seed, bigEndian), bigEndian) : undefined;
    const chained = computed !== undefined && computed[0] === stored[0] && computed[1] === stored[1];
    const commit = frame.readUInt32BE(4) !== 0;
    if (breakAt === null) {
      if (saltsMatch && chained) {
        pending.push(frame.readUInt32BE(0));
        if (commit) {
          commits += 1;
          for (const p of pending) held.add(p);
          pending = [];
        }
      } else {
        breakAt = i;
      }
    } else if (saltsMatch && chained && commit) {
      lost += 1;
    }
    // Each frame stores the running checksum, so the chain picks up again after a damaged frame:
    // frames written after it still verify, which is how a lost commit is told from a torn tail.
    seed = stored;
  }
  return { bytes, frames, commits, breakAt, lost, headerDamaged: false, pageSize, pagesHeld: held };
}

/** SQLite's WAL checksum: pairs of 32-bit words in the byte order the magic number names. */
function checksum(data: Buffer, seed: readonly [number, number], bigEndian: boolean): [number, number] {
  let s0 = seed[0];
  let s1 = seed[1];
  const n = data.length >>> 3 << 1;
  // Words in this machine's byte order can be read as one typed-array view (≈ 10× faster than readUInt32).
  if (bigEndian === BIG_ENDIAN_HOST && data.byteOffset % 4 === 0) {
    const w = new Uint32Array(data.buffer, data.byteOffset, n);
    for (let i = 0; i < n; i += 2) {
      s0 = (s0 + (w[i] as number) + s1) >>> 0;
      s1 = (s1 + (w[i + 1] as number) + s0) >>> 0;
    }
    return [s0, s1];
  }
  for (let i = 0; i < n * 4; i += 8) {
    const x0 = bigEndian ? data.readUInt32BE(i) : data.readUInt32LE(i);
    const x1 = bigEndian ? data.readUInt32BE(i + 4) : data.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

const BIG_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 0;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return n === length ? buf : buf.subarray(0, n);
}
