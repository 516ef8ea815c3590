import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { TahoError } from '../errors.js';
import { isProvided } from '../components/host.js';
import { readComponentSignature } from '../components/wit-reader.js';
import { writeBindings } from './bindings.js';
import { bundle } from './bundle.js';
import { COMPONENTIZE, componentize } from './componentize.js';
import type { Project } from './project.js';
import { typecheck } from './typecheck.js';
import { readWorld } from './wit.js';

/** Bump when the build's steps change what a given source turns into. */
const RECIPE = 'taho-build-1';

export interface BuildOptions {
  /** Paths in messages are shown relative to it. */
  readonly cwd: string;
  /** Built components by source hash: an unchanged project is never built twice. */
  readonly cacheDir: string;
  readonly onStep?: ((project: Project, step: BuildStep) => void) | undefined;
}

export type BuildStep = 'typecheck' | 'bundle' | 'componentize';

export interface BuildResult {
  readonly id: string;
  readonly output: string;
  /** built: the toolchain ran; cached: the same sources were built before; unchanged: the output already was this build. */
  readonly status: 'built' | 'cached' | 'unchanged';
  readonly bytes: number;
  readonly ms: number;
  readonly sourceHash: string;
}

/**
 * Builds one project into `<repository>/<domain>/<name>.wasm`: WIT checked (and what it
 * imports), bindings generated, TypeScript type-checked, bundled, componentized. Everything is
 * checked before anything is written, and the component is written whole (a rename), so a
 * failed build leaves the repository as it was and a running server never sees half a file.
 */
export async function buildProject(project: Project, options: BuildOptions): Promise<BuildResult> {
  const t0 = performance.now();
  const id = `${project.domain}/${project.name}`;
  const sourceHash = hashSources(project);
  const cached = join(options.cacheDir, `${sourceHash}.wasm`);
  const done = (status: BuildResult['status'], bytes: number): BuildResult => ({ id, output: project.output, status, bytes, ms: performance.now() - t0, sourceHash });
  if (existsSync(cached)) {
    const bytes = readFileSync(cached);
    if (existsSync(project.output) && readFileSync(project.output).equals(bytes)) return done('unchanged', bytes.length);
    writeWhole(project.output, bytes);
    return done('cached', bytes.length);
  }
  const world = await readWorld(project.witFile, readFileSync(project.witFile, 'utf8'), project.name, options.cwd);
  const bindings = await writeBindings(project.dir, world);
  options.onStep?.(project, 'typecheck');
  await typecheck(project, bindings, options.cwd);
  options.onStep?.(project, 'bundle');
  const code = await bundle(project, world.imports, options.cwd);
  options.onStep?.(project, 'componentize');
  const bytes = await componentize(project, world, code);
  checkImports(project, bytes, options.cwd);
  writeWhole(cached, bytes);
  writeWhole(project.output, bytes);
  return done('built', bytes.length);
}

/** The engine imports WASI on its own; a component asking for anything else would fail at its first call. */
function checkImports(project: Project, bytes: Uint8Array, cwd: string): void {
  const missing = readComponentSignature(bytes).imports.filter((i) => !isProvided(i) && !i.startsWith(`${project.domain}:${project.name}/`));
  if (missing.length > 0) {
    throw new TahoError('TAHO_BUILD_FAILED', `${id(project)}: the built component imports ${missing.join(', ')}, which taho cannot provide`, {
      hint: `Remove these imports from ${relative(cwd, project.witFile)} (and the code that uses them). Nothing was written.`,
    });
  }
}

function id(project: Project): string {
  return `${project.domain}/${project.name}`;
}

function writeWhole(path: string, bytes: Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.${process.pid}.partial`;
  try {
    writeFileSync(partial, bytes);
    renameSync(partial, path);
  } finally {
    rmSync(partial, { force: true });
  }
}

/** What the component is made of: every project file but generated/ and node_modules, the recipe and the engine version. */
export function hashSources(project: Project): string {
  const h = createHash('sha256').update(`${RECIPE}\0${toolchainVersion()}\0${project.domain}/${project.name}\0`);
  for (const file of listFiles(project.dir, '')) {
    h.update(`${file}\0`).update(readFileSync(join(project.dir, file))).update('\0');
  }
  return h.digest('hex');
}

function listFiles(root: string, rel: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(root, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) {
      if (e.name === 'generated' || e.name === 'node_modules' || e.name.startsWith('.')) continue;
      out.push(...listFiles(root, path));
    } else if (e.isFile()) {
      out.push(path);
    }
  }
  return out;
}

/** Read from its package.json, so an unchanged build never loads the toolchain itself. */
function toolchainVersion(): string {
  try {
    const main = createRequire(import.meta.url).resolve(COMPONENTIZE);
    let dir = dirname(main);
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'none';
  }
}
