import { readFileSync } from 'node:fs';
import { sha256Hex, uuidV5 } from '../../shared/ids.js';
import { scanRepositories, type ScanProblem } from './repository.js';
import { readComponentSignature } from './wit-reader.js';
import type { ComponentSignature, WitFunction } from './wit-types.js';

/** A component the registry knows: where it came from, its identity and what it exports. */
export interface ComponentEntry {
  /** `domain.service`, TAHO's service id. */
  readonly key: string;
  readonly domain: string;
  readonly service: string;
  /** Stable for the same domain/service, whatever its content. */
  readonly id: string;
  /** sha256 of the component bytes. */
  readonly version: string;
  readonly path: string;
  readonly size: number;
  readonly configPath: string | undefined;
  readonly bytes: Uint8Array;
  readonly signature: ComponentSignature;
}

export interface ReloadReport {
  readonly added: string[];
  readonly updated: string[];
  readonly removed: string[];
  readonly unchanged: string[];
  readonly errors: ScanProblem[];
}

export function serviceKey(domain: string, service: string): string {
  return `${domain}.${service}`;
}

/** Every name a function can be called by: `fn`, and for interface exports `ns:pkg/iface.{fn}` and `iface.fn`. */
export function functionNames(fn: WitFunction): string[] {
  if (fn.iface === undefined) return [fn.name];
  const short = fn.iface.slice(fn.iface.indexOf('/') + 1).replace(/@.*$/, '');
  return [`${fn.iface}.{${fn.name}}`, `${short}.${fn.name}`, `${short}.{${fn.name}}`];
}

export class ComponentRegistry {
  #entries = new Map<string, ComponentEntry>();
  readonly #repositories: () => readonly string[];
  readonly #optional: readonly string[];

  /** `optional` repositories may be missing (the uploads directory before the first upload). */
  constructor(repositories: () => readonly string[], optional: readonly string[] = []) {
    this.#repositories = repositories;
    this.#optional = optional;
  }

  list(): ComponentEntry[] {
    return [...this.#entries.values()].sort((a, b) => a.key.localeCompare(b.key));
  }

  get(domain: string, service: string): ComponentEntry | undefined {
    return this.#entries.get(serviceKey(domain, service));
  }

  byId(id: string): ComponentEntry | undefined {
    return this.list().find((e) => e.id === id);
  }

  /** Rescans every repository; a broken component is reported and leaves the rest loaded. */
  reload(): ReloadReport {
    const { files, problems } = scanRepositories([...this.#repositories(), ...this.#optional], this.#optional);
    const errors = [...problems];
    const next = new Map<string, ComponentEntry>();
    for (const file of files) {
      const key = serviceKey(file.domain, file.service);
      try {
        const bytes = readFileSync(file.path);
        const version = sha256Hex(bytes);
        const previous = this.#entries.get(key);
        const signature = previous?.version === version ? previous.signature : readComponentSignature(bytes);
        next.set(key, {
          key, domain: file.domain, service: file.service,
          id: uuidV5(`${file.domain}/${file.service}`),
          version, path: file.path, size: bytes.length, configPath: file.configPath, bytes, signature,
        });
      } catch (err) {
        errors.push({ component: key, error: `not a loadable component: ${(err as Error).message}` });
      }
    }
    const report: ReloadReport = { added: [], updated: [], removed: [], unchanged: [], errors };
    for (const [key, entry] of next) {
      const old = this.#entries.get(key);
      if (!old) report.added.push(key);
      else if (old.version !== entry.version) report.updated.push(key);
      else report.unchanged.push(key);
    }
    for (const key of this.#entries.keys()) if (!next.has(key)) report.removed.push(key);
    this.#entries = next;
    return report;
  }
}
