import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { TahoError } from '../errors.js';
import { scanRepositories } from '../components/repository.js';
import { writeBindings } from './bindings.js';
import { parseId, projectAt, type Kind, type Project } from './project.js';
import { templateFiles } from './templates.js';
import { readWorld } from './wit.js';

export interface ScaffoldRequest {
  /** `<domain>/<name>`. */
  readonly id: string;
  readonly kind: Kind;
  /** The repository to put it in (default: the first configured one, else ./components). */
  readonly dir?: string | undefined;
  readonly cwd: string;
  /** The config file in use, or undefined when there is none (one is then written in cwd). */
  readonly configFile: string | undefined;
  /** The repositories the config lists (the examples apart). */
  readonly repositories: readonly string[];
  /** Every repository taho serves now, the examples included: an id taken there is refused. */
  readonly served: readonly string[];
}

export interface ScaffoldResult {
  readonly id: string;
  readonly kind: Kind;
  readonly project: string;
  readonly files: readonly string[];
  /** The repository was not served: the config file `new` wrote, or the lines to add to the existing one. */
  readonly registered?: { readonly file: string; readonly written: boolean; readonly lines: readonly string[] } | undefined;
  readonly next: readonly string[];
}

/**
 * Writes a project that builds as it stands: WIT world, src/index.ts, tsconfig, and the
 * bindings generated from the WIT so the editor knows the types before the first build. It
 * never overwrites: an existing folder or component of that id is refused, and a failure
 * midway removes what it wrote. The repository is added to the config when taho would not
 * otherwise serve it, so `taho build` and the calls after it work with no edit.
 */
export async function scaffold(req: ScaffoldRequest): Promise<ScaffoldResult> {
  const { domain, name } = parseId(req.id);
  const configured = req.repositories;
  const repository = req.dir !== undefined ? resolve(req.cwd, req.dir) : (configured[0] ?? resolve(req.cwd, 'components'));
  const project = projectAt(join(repository, domain, name));
  refuseExisting(project, req);

  const files = templateFiles(req.kind, domain, name);
  mkdirSync(dirname(project.dir), { recursive: true });
  try {
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(dirname(join(project.dir, rel)), { recursive: true });
      writeFileSync(join(project.dir, rel), text, { flag: 'wx' });
    }
    const world = await readWorld(project.witFile, files['wit/world.wit'] ?? '', name, req.cwd);
    await writeBindings(project.dir, world);
  } catch (err) {
    rmSync(project.dir, { recursive: true, force: true });
    throw err;
  }
  const registered = configured.some((r) => resolve(r) === repository) ? undefined : register(repository, req);
  const shown = (p: string): string => relative(req.cwd, p) || '.';
  return {
    id: `${domain}/${name}`,
    kind: req.kind,
    project: shown(project.dir),
    files: Object.keys(files).map((f) => `${shown(project.dir)}/${f}`),
    registered: registered === undefined ? undefined : { ...registered, file: shown(registered.file) },
    next: nextSteps(project, req.kind, shown),
  };
}

function refuseExisting(project: Project, req: ScaffoldRequest): void {
  const id = `${project.domain}/${project.name}`;
  const shown = relative(req.cwd, project.dir) || project.dir;
  if (existsSync(project.dir) && readdirSync(project.dir).length > 0) {
    throw new TahoError('TAHO_CONFLICT', `${shown} already exists; taho new never overwrites a project (your code may be in it)`, {
      hint: `Build it with \`taho build ${shown}\`, pick another name, or delete the folder first to start over.`,
    });
  }
  if (existsSync(project.output)) {
    throw new TahoError('TAHO_CONFLICT', `${relative(req.cwd, project.output)} already exists; building ${id} would replace that component`, {
      hint: 'Pick another name, or remove the .wasm first if you mean to replace it with a TypeScript one.',
    });
  }
  const elsewhere = scanRepositories(req.served).files.find((f) => `${f.domain}/${f.service}` === id);
  if (elsewhere) {
    throw new TahoError('TAHO_CONFLICT', `${id} is already served from ${elsewhere.path}`, {
      hint: 'Pick another <domain>/<name>: two components of one id would hide each other.',
    });
  }
}

/**
 * Writes ./config.toml listing the repository when there is no config file. An existing file is
 * never changed (as `taho init` does): the lines to add are returned instead.
 */
function register(repository: string, req: ScaffoldRequest): { file: string; written: boolean; lines: string[] } {
  const file = req.configFile ?? join(req.cwd, 'config.toml');
  const rel = relative(dirname(file), repository);
  const path = isAbsolute(rel) || rel.startsWith('..') ? repository : rel;
  const lines = ['[[repositories]]', `path = ${JSON.stringify(path)}`];
  if (existsSync(file)) return { file, written: false, lines };
  writeFileSync(file, `# taho's configuration (\`taho config\` shows every value and where it came from).\n${lines.join('\n')}\n`, { flag: 'wx' });
  return { file, written: true, lines };
}

function nextSteps(project: Project, kind: Kind, shown: (p: string) => string): string[] {
  const id = `${project.domain}/${project.name}`;
  const first = [`edit ${shown(project.entry)} (and ${shown(project.witFile)}: the two are checked against each other)`, 'taho build            # or taho build --watch'];
  switch (kind) {
    case 'service':
      return [...first, `taho invoke ${id} greet World`, `curl -XPOST localhost:9481/api/services/${id}/invoke/greet -d '"World"' -H 'content-type: application/json'   # with taho serve`];
    case 'agent':
      return [...first, `taho agents invoke ${id}/a1 add '"buy milk"'`, `taho agents invoke ${id}/a1 all`, `tt spawn n1 --cli component:${id} && tt assign n1 "water the plants"   # a town agent, with taho serve`];
    case 'job':
      return [...first, `taho wasm run ${shown(project.output)} some arguments`];
  }
}
