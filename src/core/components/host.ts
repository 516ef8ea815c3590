import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Host imports taho supplies to each component instance. WASI comes from preview2-shim's pure-JS
 * (browser) implementation, created per instance, with the non-deterministic parts (clocks,
 * random) and the output streams routed through hooks: durable agents record and replay them,
 * jobs capture output. Its filesystem and sockets are the in-memory ones, so a component sees
 * no host files or network unless a later grant adds them.
 */
export interface HostHooks {
  readonly wallClock?: () => { seconds: bigint; nanoseconds: number };
  readonly monotonicNow?: () => bigint;
  readonly randomBytes?: (len: number) => Uint8Array;
  readonly randomU64?: () => bigint;
  readonly stdout?: (chunk: Uint8Array) => void;
  readonly stderr?: (chunk: Uint8Array) => void;
  readonly environment?: Readonly<Record<string, string>>;
  readonly arguments?: readonly string[];
}

type Namespace = Record<string, unknown>;

interface BrowserShim {
  readonly cli: { createCli(config: Record<string, unknown>): Record<string, Namespace> };
  readonly clocks: { monotonicClock: Namespace; wallClock: Namespace };
  readonly random: { random: Namespace; insecure: Namespace; insecureSeed: Namespace };
  readonly io: { error: Namespace; poll: Namespace; streams: Namespace };
  readonly filesystem: { preopens: Namespace; types: Namespace };
  readonly sockets: Namespace;
  readonly http: Namespace;
}

/** Strips the `@0.2.x` version: jco's generated code reads unversioned keys. */
export function interfaceKey(name: string): string {
  const at = name.indexOf('@');
  return at < 0 ? name : name.slice(0, at);
}

/** The interfaces `wasiImports` implements (unversioned); anything else a component imports gets an empty object. */
const PROVIDED = new Set([
  'wasi:cli/environment', 'wasi:cli/exit', 'wasi:cli/stdin', 'wasi:cli/stdout', 'wasi:cli/stderr',
  'wasi:cli/terminal-input', 'wasi:cli/terminal-output', 'wasi:cli/terminal-stdin', 'wasi:cli/terminal-stdout', 'wasi:cli/terminal-stderr',
  'wasi:clocks/monotonic-clock', 'wasi:clocks/wall-clock', 'wasi:random/random', 'wasi:random/insecure', 'wasi:random/insecure-seed',
  'wasi:io/error', 'wasi:io/poll', 'wasi:io/streams', 'wasi:filesystem/preopens', 'wasi:filesystem/types',
  'wasi:sockets/instance-network', 'wasi:sockets/network', 'wasi:sockets/ip-name-lookup', 'wasi:sockets/tcp',
  'wasi:sockets/tcp-create-socket', 'wasi:sockets/udp', 'wasi:sockets/udp-create-socket', 'wasi:http/types', 'wasi:http/outgoing-handler',
]);

/** Whether taho supplies the functions of an imported interface (`taho build` refuses worlds importing others). */
export function isProvided(name: string): boolean {
  return PROVIDED.has(interfaceKey(name));
}

/** preview2-shim's export map hides the browser build from Node; it is imported by file URL on purpose. */
async function loadBrowserShim(): Promise<BrowserShim> {
  const require = createRequire(import.meta.url);
  // The entry resolves to dist/nodejs/index.js; the browser build sits beside it.
  const nodeEntry = require.resolve('@bytecodealliance/preview2-shim');
  return (await import(pathToFileURL(join(dirname(nodeEntry), '..', 'browser', 'index.js')).href)) as BrowserShim;
}

export class HostImports {
  #shim: Promise<BrowserShim> | undefined;

  /**
   * The import object for one instance of a component importing `imports`. Interfaces taho does
   * not implement are given as empty objects (type-only imports need nothing more).
   */
  async create(imports: readonly string[], hooks: HostHooks = {}): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    const wasi = imports.filter((i) => i.startsWith('wasi:'));
    if (wasi.length > 0) Object.assign(out, wasiImports(await this.#loadShim(), hooks));
    for (const name of imports) out[interfaceKey(name)] ??= {};
    return out;
  }

  #loadShim(): Promise<BrowserShim> {
    this.#shim ??= loadBrowserShim();
    return this.#shim;
  }
}

function wasiImports(shim: BrowserShim, hooks: HostHooks): Record<string, unknown> {
  const sink = (hook: ((c: Uint8Array) => void) | undefined) =>
    hook ? { write: (c: Uint8Array) => hook(c.slice()), blockingFlush() {}, flush() {} } : undefined;
  const cli = shim.cli.createCli({
    ...(hooks.stdout ? { stdout: sink(hooks.stdout) } : {}),
    ...(hooks.stderr ? { stderr: sink(hooks.stderr) } : {}),
    environment: hooks.environment ?? {},
    arguments: hooks.arguments ?? [],
  });
  const { monotonicClock, wallClock } = shim.clocks;
  const { random } = shim.random;
  return {
    'wasi:cli/environment': cli.environment,
    'wasi:cli/exit': cli.exit,
    'wasi:cli/stdin': cli.stdin,
    'wasi:cli/stdout': cli.stdout,
    'wasi:cli/stderr': cli.stderr,
    'wasi:cli/terminal-input': cli.terminalInput,
    'wasi:cli/terminal-output': cli.terminalOutput,
    'wasi:cli/terminal-stdin': cli.terminalStdin,
    'wasi:cli/terminal-stdout': cli.terminalStdout,
    'wasi:cli/terminal-stderr': cli.terminalStderr,
    'wasi:clocks/monotonic-clock': hooks.monotonicNow ? { ...monotonicClock, now: hooks.monotonicNow } : monotonicClock,
    'wasi:clocks/wall-clock': hooks.wallClock ? { ...wallClock, now: hooks.wallClock } : wallClock,
    'wasi:random/random': {
      ...random,
      ...(hooks.randomBytes ? { getRandomBytes: (len: bigint) => hooks.randomBytes?.(Number(len)) } : {}),
      ...(hooks.randomU64 ? { getRandomU64: hooks.randomU64 } : {}),
    },
    'wasi:random/insecure': shim.random.insecure,
    'wasi:random/insecure-seed': shim.random.insecureSeed,
    'wasi:io/error': shim.io.error,
    'wasi:io/poll': shim.io.poll,
    'wasi:io/streams': shim.io.streams,
    'wasi:filesystem/preopens': shim.filesystem.preopens,
    'wasi:filesystem/types': shim.filesystem.types,
    'wasi:sockets/instance-network': shim.sockets.instanceNetwork,
    'wasi:sockets/network': shim.sockets.network,
    'wasi:sockets/ip-name-lookup': shim.sockets.ipNameLookup,
    'wasi:sockets/tcp': shim.sockets.tcp,
    'wasi:sockets/tcp-create-socket': shim.sockets.tcpCreateSocket,
    'wasi:sockets/udp': shim.sockets.udp,
    'wasi:sockets/udp-create-socket': shim.sockets.udpCreateSocket,
    'wasi:http/types': shim.http.types,
    'wasi:http/outgoing-handler': shim.http.outgoingHandler,
  };
}
