import { relative } from 'node:path';
import { TahoError } from '../errors.js';
import { isProvided } from '../components/host.js';
import { loadTool } from './toolchain.js';

/** What the build needs to know of a project's WIT world. */
export interface WorldInfo {
  readonly source: string;
  /** `demo:notes`, without a version. */
  readonly pkg: string;
  readonly world: string;
  /** Interfaces the world imports, versioned (`wasi:cli/environment@0.2.3`). */
  readonly imports: readonly string[];
}

interface InterfaceMetadata {
  readonly namespace: string;
  readonly package: string;
  readonly interface: string;
  readonly version?: { readonly major: bigint; readonly minor: bigint; readonly patch: bigint } | undefined;
}

type WorldMetadata = (wit: { tag: 'source'; val: string }, world: string | undefined) => Promise<{ imports: InterfaceMetadata[]; exports: InterfaceMetadata[] }>;

/** Comments out of the way, so names in them are not mistaken for declarations. */
function code(source: string): string {
  return source.replace(/\/\/[^\n]*/g, (c) => ' '.repeat(c.length)).replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '));
}

/**
 * Parses and resolves the world with wasm-tools (through jco-transpile, which taho runs
 * components with anyway), then checks that taho can supply everything it imports: a world
 * importing what no host here provides would build, then fail on its first call.
 */
export async function readWorld(witFile: string, source: string, projectName: string, cwd: string): Promise<WorldInfo> {
  const shown = relative(cwd, witFile) || witFile;
  const text = code(source);
  const pkg = /^\s*package\s+([a-z][a-z0-9-]*:[a-z][a-z0-9-]*)(@[^;\s]+)?\s*;/m.exec(text)?.[1];
  const worlds = [...text.matchAll(/^\s*world\s+([a-z][a-z0-9-]*)\s*\{/gm)].map((m) => m[1] ?? '');
  if (!pkg) throw witError(shown, 'it does not start with a package declaration (package <domain>:<name>;)', source, undefined);
  if (worlds.length === 0) throw witError(shown, 'it declares no world', source, undefined);
  const world = worlds.length === 1 ? worlds[0] ?? '' : worlds.find((w) => w === projectName);
  if (!world) throw witError(shown, `it declares the worlds ${worlds.join(', ')}; name the one to build ${projectName}`, source, undefined);
  const { componentWitMetadataForWorld } = await loadTool<{ componentWitMetadataForWorld: WorldMetadata }>('@bytecodealliance/jco-transpile/wasm-tools', 'the WIT parser (wasm-tools)');
  let meta: Awaited<ReturnType<WorldMetadata>>;
  try {
    meta = await componentWitMetadataForWorld({ tag: 'source', val: source }, world);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw witError(shown, message, source, message);
  }
  const imports = meta.imports.map(interfaceName);
  const missing = imports.filter((i) => !isProvided(i) && declaresFunctions(text, i));
  const rootFunctions = [...text.matchAll(/^\s*import\s+([a-z][a-z0-9-]*)\s*:\s*func\b/gm)].map((m) => m[1] ?? '');
  if (missing.length > 0 || rootFunctions.length > 0) {
    const names = [...missing, ...rootFunctions.map((f) => `the function ${f}`)];
    throw new TahoError('TAHO_BUILD_FAILED', `${shown}: the world imports ${names.join(', ')}, which taho cannot provide`, {
      hint: 'taho gives components the WASI 0.2 interfaces (cli, clocks, random, io, filesystem, sockets, http) and nothing else; remove the import, or take the value as a function parameter instead.',
      details: { file: witFile, imports: names },
    });
  }
  return { source, pkg, world, imports };
}

/** Type-only interfaces (records a world `use`s) need nothing from the host; those with functions do. */
function declaresFunctions(text: string, name: string): boolean {
  const iface = /\/([a-z][a-z0-9-]*)/.exec(name)?.[1] ?? '';
  const open = new RegExp(`\\binterface\\s+${iface}\\s*\\{`).exec(text);
  if (!open) return true;
  let depth = 1;
  let at = open.index + open[0].length;
  const from = at;
  while (at < text.length && depth > 0) {
    if (text[at] === '{') depth += 1;
    else if (text[at] === '}') depth -= 1;
    at += 1;
  }
  return /:\s*func\b/.test(text.slice(from, at));
}

function interfaceName(m: InterfaceMetadata): string {
  const v = m.version ? `@${m.version.major}.${m.version.minor}.${m.version.patch}` : '';
  return `${m.namespace}:${m.package}/${m.interface}${v}`;
}

/**
 * wasm-tools reports WIT errors without a position when given the text; the first name the
 * message quotes is looked up in the file, so the error still points at a line.
 */
export function witError(shown: string, message: string, source: string, raw: string | undefined): TahoError {
  const at = raw === undefined ? undefined : locate(source, raw);
  return new TahoError('TAHO_BUILD_FAILED', `${shown}${at ? `:${at.line}:${at.column}` : ''}: the WIT does not parse: ${message.split('\n')[0]}`, {
    hint: 'Fix the WIT (https://component-model.bytecodealliance.org/design/wit.html) and build again; nothing was written.',
    details: { file: shown, ...(at ?? {}) },
  });
}

function locate(source: string, message: string): { line: number; column: number } | undefined {
  const name = /`([^`]+)`/.exec(message)?.[1];
  if (!name) return undefined;
  const text = code(source);
  const re = new RegExp(`(^|[^a-z0-9-])(${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')})(?![a-z0-9-])`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  const offset = m.index + (m[1]?.length ?? 0);
  const before = source.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
}
