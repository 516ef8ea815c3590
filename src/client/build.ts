import { join } from 'node:path';
import type { LoadedConfig } from '../core/config/load.js';
import { readServerState } from '../core/server-state.js';
import type { BuildResult, BuildStep } from '../core/build/build.js';
import type { Kind, Project } from '../core/build/project.js';
import type { ScaffoldResult } from '../core/build/scaffold.js';
import type { Watcher } from '../core/build/watch.js';
import type { ReloadResult } from '../core/services/info.js';
import { HttpClient } from './http.js';

export type { BuildResult, BuildStep } from '../core/build/build.js';
export type { Kind } from '../core/build/project.js';
export { KINDS } from '../core/build/project.js';
export type { ScaffoldResult } from '../core/build/scaffold.js';

/*
 * Making and building components is local work on local files (the sources, the repository, a
 * native toolchain), so it is not part of the Client contract: a remote server could not see
 * the files. What reaches the server is the result: after a build, the server running on this
 * data directory reloads its repositories.
 */

export interface NewComponentRequest {
  readonly id: string;
  readonly kind: Kind;
  readonly dir?: string | undefined;
  readonly cwd: string;
}

export async function newComponent(loaded: LoadedConfig, req: NewComponentRequest): Promise<ScaffoldResult> {
  // The runtime module is heavy to load; only `new` needs it (to know where the examples are).
  const [{ scaffold }, { examplesRepository }] = await Promise.all([import('../core/build/scaffold.js'), import('../core/runtime.js')]);
  const repositories = loaded.config.repositories.map((r) => r.path);
  return scaffold({
    ...req,
    configFile: loaded.file,
    repositories,
    served: [...(loaded.config.examples ? [examplesRepository()] : []), ...repositories],
  });
}

export interface BuildRequest {
  readonly path?: string | undefined;
  readonly cwd: string;
  /** Sent with the reload to a server that wants one. */
  readonly apiKey?: string | undefined;
  readonly onStep?: ((id: string, step: BuildStep) => void) | undefined;
  readonly onResult?: ((result: BuildResult) => void) | undefined;
}

export interface BuildReport {
  readonly results: readonly BuildResult[];
  /** The running server's reload, when a build changed a component and a server runs on this data directory. */
  readonly reload?: ReloadResult | undefined;
  readonly reloadError?: string | undefined;
}

/** Builds the projects `path` names (see findProjects), in order, stopping at the first failure. */
export async function buildComponents(loaded: LoadedConfig, req: BuildRequest): Promise<BuildReport> {
  const { findProjects } = await import('../core/build/project.js');
  const projects = findProjects(req.path, req.cwd, loaded.config.repositories.map((r) => r.path));
  const results: BuildResult[] = [];
  let reported: Pick<BuildReport, 'reload' | 'reloadError'> = {};
  try {
    for (const project of projects) results.push(await buildOne(loaded, req, project));
  } finally {
    // Components built before a failure are in the repository: the server should serve them.
    if (results.some((r) => r.status !== 'unchanged')) reported = await reloadServer(loaded, req);
  }
  return { results, ...reported };
}

async function buildOne(loaded: LoadedConfig, req: BuildRequest, project: Project): Promise<BuildResult> {
  const { buildProject } = await import('../core/build/build.js');
  const result = await buildProject(project, {
    cwd: req.cwd,
    cacheDir: buildCacheDir(loaded),
    onStep: (p, step) => req.onStep?.(`${p.domain}/${p.name}`, step),
  });
  req.onResult?.(result);
  return result;
}

/** `TAHO_BUILD_CACHE` lets several data directories (tests, benchmarks) share built components. */
function buildCacheDir(loaded: LoadedConfig): string {
  return process.env.TAHO_BUILD_CACHE || join(loaded.config.data_dir, 'cache', 'builds');
}

async function reloadServer(loaded: LoadedConfig, req: BuildRequest): Promise<Pick<BuildReport, 'reload' | 'reloadError'>> {
  const running = readServerState(loaded.config.data_dir);
  if (!running) return {};
  try {
    return { reload: await new HttpClient(running.url, { apiKey: req.apiKey }).reload() };
  } catch (err) {
    return { reloadError: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * Builds once, then again after each change; `onReport` gets every build's outcome (a failure
 * included: watching goes on). Resolves with the watcher once the first builds are done.
 */
export async function watchComponents(loaded: LoadedConfig, req: BuildRequest, onReport: (r: BuildReport | Error) => void): Promise<Watcher> {
  const [{ findProjects }, { watchProjects }] = await Promise.all([import('../core/build/project.js'), import('../core/build/watch.js')]);
  const projects = findProjects(req.path, req.cwd, loaded.config.repositories.map((r) => r.path));
  const once = async (project: Project): Promise<void> => {
    try {
      const result = await buildOne(loaded, req, project);
      onReport({ results: [result], ...(result.status === 'unchanged' ? {} : await reloadServer(loaded, req)) });
    } catch (err) {
      onReport(err instanceof Error ? err : new Error(String(err)));
    }
  };
  for (const project of projects) await once(project);
  return watchProjects(projects, once);
}
