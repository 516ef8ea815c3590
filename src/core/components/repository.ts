import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One `<repo>/<domain>/<service>.wasm` file with its optional `<service>.toml` beside it. */
export interface ComponentFile {
  readonly domain: string;
  readonly service: string;
  readonly path: string;
  readonly configPath: string | undefined;
  readonly repository: string;
}

export interface ScanProblem {
  readonly component: string;
  readonly error: string;
}

const NAME = /^[a-z0-9][a-z0-9._-]*$/i;

/** Lists the component files of repositories in order; an earlier repository wins a name clash. */
export function scanRepositories(repositories: readonly string[], optional: readonly string[] = []): { files: ComponentFile[]; problems: ScanProblem[] } {
  const files = new Map<string, ComponentFile>();
  const problems: ScanProblem[] = [];
  for (const repo of repositories) {
    if (!existsSync(repo) || !statSync(repo).isDirectory()) {
      // A repository that may not exist yet (uploads appear with the first upload) is no problem.
      if (!optional.includes(repo) || existsSync(repo)) problems.push({ component: repo, error: `repository ${repo} is not a directory` });
      continue;
    }
    for (const domain of readdirSync(repo, { withFileTypes: true })) {
      if (!domain.isDirectory() || !NAME.test(domain.name)) continue;
      const dir = join(repo, domain.name);
      for (const entry of readdirSync(dir)) {
        if (!entry.endsWith('.wasm')) continue;
        const service = basename(entry, '.wasm');
        const id = `${domain.name}/${service}`;
        if (!NAME.test(service)) {
          problems.push({ component: id, error: 'service names use letters, digits, ".", "_" and "-"' });
          continue;
        }
        const earlier = files.get(id);
        if (earlier) {
          problems.push({ component: id, error: `also in ${earlier.repository}; the one there is used` });
          continue;
        }
        const configPath = join(dir, `${service}.toml`);
        files.set(id, {
          domain: domain.name, service, path: join(dir, entry), repository: repo,
          configPath: existsSync(configPath) ? configPath : undefined,
        });
      }
    }
  }
  return { files: [...files.values()], problems };
}

export function readBytes(path: string): Uint8Array {
  return readFileSync(path);
}
