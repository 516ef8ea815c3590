import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { TahoError } from '../errors.js';

/** The kinds of component `taho new` scaffolds; each names the family that runs it. */
export const KINDS = ['service', 'agent', 'job'] as const;
export type Kind = (typeof KINDS)[number];

/**
 * A TypeScript component project: `<repository>/<domain>/<name>/` holding `wit/world.wit` and
 * `src/index.ts`; its build is `<repository>/<domain>/<name>.wasm`, beside it, where the
 * registry finds components. The id comes from where the project sits, so moving the folder
 * renames the component and nothing else has to agree.
 */
export interface Project {
  readonly dir: string;
  readonly domain: string;
  readonly name: string;
  readonly repository: string;
  readonly witFile: string;
  readonly entry: string;
  readonly output: string;
}

/** WIT identifiers (kebab case), so the id can be the WIT package `domain:name`. */
const WIT_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export function parseId(id: string): { domain: string; name: string } {
  const parts = id.split('/');
  const [domain = '', name = ''] = parts;
  if (parts.length !== 2 || !WIT_NAME.test(domain) || !WIT_NAME.test(name)) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', `"${id}" is not a component id <domain>/<name> in lower-case kebab words`, {
      hint: 'For example demo/notes or shop/price-list: each part is a WIT name (a-z, 0-9, words joined by "-"), so it can name the WIT package demo:notes.',
    });
  }
  return { domain, name };
}

export function projectAt(dir: string): Project {
  const abs = resolve(dir);
  const domainDir = dirname(abs);
  const name = basename(abs);
  const domain = basename(domainDir);
  return {
    dir: abs, domain, name, repository: dirname(domainDir),
    witFile: join(abs, 'wit', 'world.wit'),
    entry: join(abs, 'src', 'index.ts'),
    output: join(domainDir, `${name}.wasm`),
  };
}

export function isProject(dir: string): boolean {
  return existsSync(join(dir, 'wit', 'world.wit')) && existsSync(join(dir, 'src', 'index.ts'));
}

/**
 * The projects `taho build [path]` means: the project at `path`, or every project of the
 * repository (or domain folder) at `path`; without a path, the project in the working
 * directory, else every project in the configured repositories.
 */
export function findProjects(path: string | undefined, cwd: string, repositories: readonly string[]): Project[] {
  if (path !== undefined) {
    const abs = resolve(cwd, path);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) {
      throw new TahoError('TAHO_BAD_ARGUMENTS', `${path} is not a directory`, {
        hint: 'Give a project folder (<repository>/<domain>/<name>, made by `taho new`) or a repository holding such folders.',
      });
    }
    const found = isProject(abs) ? [projectAt(abs)] : projectsUnder(abs, 2);
    if (found.length === 0) throw noProjects(path);
    return found;
  }
  if (isProject(cwd)) return [projectAt(cwd)];
  const found = repositories.flatMap((r) => (existsSync(r) ? projectsUnder(r, 2) : []));
  if (found.length === 0) throw noProjects(repositories.map((r) => relative(cwd, r) || '.').join(', ') || 'the configured repositories');
  return found;
}

function projectsUnder(dir: string, depth: number): Project[] {
  const out: Project[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (!e.isDirectory() || e.name.startsWith('.') || e.name === 'node_modules') continue;
    const sub = join(dir, e.name);
    if (isProject(sub)) out.push(projectAt(sub));
    else if (depth > 1) out.push(...projectsUnder(sub, depth - 1));
  }
  return out;
}

function noProjects(where: string): TahoError {
  return new TahoError('TAHO_BAD_ARGUMENTS', `no TypeScript component project in ${where}`, {
    hint: 'A project is a folder with wit/world.wit and src/index.ts; make one with `taho new <domain>/<name>`.',
  });
}
