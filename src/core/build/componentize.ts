import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TahoError } from '../errors.js';
import type { Project } from './project.js';
import { loadTool, toolchainMissing } from './toolchain.js';
import type { WorldInfo } from './wit.js';

interface ComponentizeJs {
  componentize(opts: {
    sourcePath: string;
    witWorld: string;
    worldName: string;
    disableFeatures: string[];
  }): Promise<{ component: Uint8Array }>;
  readonly version: string;
}

export const COMPONENTIZE = '@bytecodealliance/componentize-js';

/** The toolchain's version, part of the build's content hash: a new engine is a new component. */
export async function componentizeVersion(): Promise<string> {
  return (await loadTool<ComponentizeJs>(COMPONENTIZE, 'componentize-js')).version;
}

/**
 * Turns the bundled module into a component: componentize-js splices bindings for the world into
 * its StarlingMonkey engine and pre-initialises it with wizer (most of the ~30 s and 12 MB).
 * The WIT goes in as text, not a path: its wasm-tools runs on preview2-shim, which has no
 * filesystem preopens. fetch() is left out: taho gives components no network.
 */
export async function componentize(project: Project, world: WorldInfo, code: string): Promise<Uint8Array> {
  const cjs = await loadTool<ComponentizeJs>(COMPONENTIZE, 'componentize-js');
  const work = mkdtempSync(join(tmpdir(), 'taho-build-'));
  try {
    const sourcePath = join(work, 'index.js');
    writeFileSync(sourcePath, code);
    const { component } = await cjs.componentize({ sourcePath, witWorld: world.source, worldName: world.world, disableFeatures: ['http', 'fetch-event'] });
    return component;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (/wizer|weval/i.test(message) && /ENOENT|not found|spawn/i.test(message)) throw toolchainMissing('@bytecodealliance/wizer', 'the wizer pre-initializer', err);
    throw new TahoError('TAHO_BUILD_FAILED', `componentize-js could not make ${project.domain}/${project.name} a component: ${trim(message)}`, {
      hint: 'This is usually code that throws while the module loads (top-level code runs at build time), or JavaScript the engine (StarlingMonkey) does not take, such as \\p{…} in a regular expression; index.js is src/index.ts bundled, so look for the same code there. Nothing was written.',
      cause: err,
    });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function trim(message: string): string {
  const lines = message.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, 12).join('\n');
}
