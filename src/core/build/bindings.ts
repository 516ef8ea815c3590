import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { WorldInfo } from './wit.js';
import { HELPER_SOURCE } from './templates.js';
import { loadTool } from './toolchain.js';

type GenerateTypes = (name: string, options: {
  wit: { tag: 'source'; val: string };
  world?: string;
  guest?: boolean;
  features?: { tag: 'list'; val: string[] };
}) => Array<[string, Uint8Array]>;

/** The guest bindings: one `declare module '<pkg>/<world>'` with the exports to implement, one per interface. */
export interface Bindings {
  readonly dir: string;
  /** The module name the world's exports are declared under. */
  readonly worldModule: string;
  /** The values the world expects src/index.ts to export (JS names: runTask, saveSnapshot…). */
  readonly exports: readonly string[];
  /** The WIT name of each export, for messages. */
  readonly witNames: ReadonlyMap<string, string>;
  /** Every file written, absolute: the type check reads them whatever the tsconfig includes. */
  readonly files: readonly string[];
}

/**
 * Writes generated/ (guest types from the WIT, the snapshot helper, and check.ts that holds
 * src/index.ts to the world) for the type check and for the editor. The folder is replaced
 * whole, so a failed generation leaves the previous one.
 */
export async function writeBindings(projectDir: string, world: WorldInfo): Promise<Bindings> {
  const mod = await loadTool<{ $init: Promise<void>; generateTypes: GenerateTypes }>('@bytecodealliance/jco-transpile/component', 'the WIT bindings generator');
  await mod.$init;
  const files = mod.generateTypes(world.world, {
    wit: { tag: 'source', val: world.source },
    world: world.world,
    guest: true,
    features: { tag: 'list', val: [] },
  });
  const dec = new TextDecoder();
  const main = dec.decode(files.find(([name]) => name === `${world.world}.d.ts`)?.[1] ?? new Uint8Array());
  const worldModule = `${world.pkg}/${world.world}`;
  const { exports, witNames } = worldExports(main);
  const dir = join(projectDir, 'generated');
  const staging = `${dir}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  try {
    for (const [name, bytes] of files) write(join(staging, name), bytes);
    write(join(staging, 'taho.ts'), HELPER_SOURCE);
    write(join(staging, 'check.ts'), checkSource(worldModule, exports));
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const written = [...files.map(([name]) => join(dir, name)), join(dir, 'taho.ts'), join(dir, 'check.ts')];
  return { dir, worldModule, exports, witNames, files: written };
}

function write(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}

/** The value exports of the world module, read off the generated declaration (a fixed shape). */
function worldExports(dts: string): { exports: string[]; witNames: Map<string, string> } {
  const exports: string[] = [];
  const witNames = new Map<string, string>();
  for (const m of dts.matchAll(/^\s*export \* as (\w+) from '([^']+)';/gm)) {
    exports.push(m[1] ?? '');
    witNames.set(m[1] ?? '', m[2] ?? '');
  }
  for (const m of dts.matchAll(/^\s*export function (\w+)\(/gm)) {
    exports.push(m[1] ?? '');
    witNames.set(m[1] ?? '', (m[1] ?? '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`));
  }
  return { exports, witNames };
}

/** The line of check.ts that checks `exports[i]` (1-based). */
export const CHECK_FIRST_LINE = 4;

function checkSource(worldModule: string, exports: readonly string[]): string {
  return [
    '// Written by taho build: holds src/index.ts to the WIT world; do not edit.',
    `import type * as World from '${worldModule}';`,
    "import * as impl from '../src/index.js';",
    ...exports.map((e) => `export const ${e}: typeof World.${e} = impl.${e};`),
    '',
  ].join('\n');
}
