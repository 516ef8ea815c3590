import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { TahoError } from '../errors.js';

/**
 * Transpiled components on disk, keyed by content hash and jco version, shared by every process
 * using the same data directory: transpiling takes seconds, loading the cached output milliseconds.
 */
export interface TranspiledComponent {
  readonly dir: string;
  /** The generated ES module exporting `instantiate(getCoreModule, imports)`. */
  readonly modulePath: string;
}

export interface TranspileCacheOptions {
  readonly cacheDir: string;
  /** Called when a component is actually transpiled (a cache miss); used by logs and tests. */
  readonly onTranspile?: ((hash: string, ms: number) => void) | undefined;
}

const MODULE_FILE = 'component.js';
const READY_FILE = 'ready.json';

/** The transpiler's version is part of the cache key: new bindings code means a new entry. */
/** Bumped when the post-processing of jco's output changes, so old cache entries are not reused. */
const PATCH_LEVEL = 'p1';

/**
 * jco 0.15's bindings call `_debugLog` dozens of times per call, and each call reads
 * `process.env.JCO_DEBUG` (a slow getter in Node): most of a small call's cost (measured: 3.4×
 * faster `add`, 2.3× faster `greet` without it). taho never sets JCO_DEBUG, so the function
 * becomes a no-op. When jco's text changes the output stays as jco wrote it (correct, slower);
 * a test says so.
 */
export function silenceDebugLog(content: Uint8Array): Uint8Array {
  const text = Buffer.from(content).toString('utf8');
  const patched = text.replace(DEBUG_LOG, 'const _debugLog = () => {};');
  return patched === text ? content : Buffer.from(patched, 'utf8');
}

const DEBUG_LOG = /const _debugLog = \(\.\.\.args\) => \{\s*if \(!globalThis\?\.process\?\.env\?\.JCO_DEBUG\) \{ return; \}\s*console\.debug\(\.\.\.args\);\s*\};/;

export function jcoVersion(): string {
  const require = createRequire(import.meta.url);
  // The package's export map hides package.json; its entry point sits in dist/.
  const entry = require.resolve('@bytecodealliance/jco-transpile');
  const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

export class TranspileCache {
  readonly #options: TranspileCacheOptions;
  readonly #version = jcoVersion();
  readonly #pending = new Map<string, Promise<TranspiledComponent>>();

  constructor(options: TranspileCacheOptions) {
    this.#options = options;
  }

  dirFor(hash: string): string {
    return join(this.#options.cacheDir, `${hash}-jco${this.#version}-${PATCH_LEVEL}`);
  }

  /** The cached output for these bytes, transpiling once if no process has done it yet. */
  async get(hash: string, bytes: Uint8Array, label: string): Promise<TranspiledComponent> {
    const dir = this.dirFor(hash);
    const hit = { dir, modulePath: join(dir, MODULE_FILE) };
    if (existsSync(join(dir, READY_FILE))) return hit;
    const running = this.#pending.get(hash);
    if (running) return running;
    const job = this.#transpile(dir, bytes, label).then(() => hit).finally(() => this.#pending.delete(hash));
    this.#pending.set(hash, job);
    return job;
  }

  async #transpile(dir: string, bytes: Uint8Array, label: string): Promise<void> {
    const started = performance.now();
    // jco's transpiler is large; only a cache miss pays for importing it.
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    let files: Record<string, Uint8Array>;
    try {
      ({ files } = await transpileBytes(bytes, {
        name: 'component',
        instantiation: 'sync',
        emitTypescriptDeclarations: false,
      }));
    } catch (err) {
      throw new TahoError('TAHO_COMPONENT_INVALID', `cannot transpile ${label}: ${(err as Error).message}`, {
        hint: 'Check that the file is a valid WebAssembly component (`jco wit <file>` should print its world).',
        cause: err,
      });
    }
    // Write beside the final place and rename, so a crashed or concurrent process never sees half a cache entry.
    const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
    mkdirSync(tmp, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      if (name.endsWith('.d.ts')) continue;
      mkdirSync(dirname(join(tmp, name)), { recursive: true });
      writeFileSync(join(tmp, name), name === MODULE_FILE ? silenceDebugLog(content) : content);
    }
    // Without it Node would read the generated .js as CommonJS wherever the data directory lives.
    writeFileSync(join(tmp, 'package.json'), '{"type":"module"}\n');
    const ms = performance.now() - started;
    writeFileSync(join(tmp, READY_FILE), JSON.stringify({ jco: this.#version, label, ms: Math.round(ms) }));
    try {
      renameSync(tmp, dir);
    } catch {
      // Another process won the race with identical content: keep theirs.
      rmSync(tmp, { recursive: true, force: true });
    }
    this.#options.onTranspile?.(label, ms);
  }

  /**
   * Loads the transpiler and runs it once on `bytes`, keeping nothing: jco's first transpile in a
   * process costs 0.3–0.5 s (importing it and compiling its own wasm), later ones 6–21 ms. A
   * server does this in the background at start so a new component's first call does not pay it.
   */
  async warmUp(bytes: Uint8Array): Promise<void> {
    const { transpileBytes } = await import('@bytecodealliance/jco-transpile');
    await transpileBytes(bytes, { name: 'component', instantiation: 'sync', emitTypescriptDeclarations: false });
  }

  /** Reads a core module file of a cached component. */
  static readCore(dir: string, path: string): Uint8Array {
    return readFileSync(join(dir, path));
  }
}
