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
  /** The same entries by UUID: the Golem routes look one up on every invocation. */
  #byId = new Map<string, ComponentEntry>();
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
    return this.#byId.get(id);
  }

  /** Rescans every repository; a broken component is reported and leaves the rest loaded. */
  reload(): ReloadReport {
    const { files, problems } = scanRepositories([...this.#repositories(), ...this.#optional], this.#optional);
    const errors = [...problems];
    const next = new Map<string, ComponentEntry>();
    for (const file of files) {
      const key = serviceKey(file.domain, file.service);
      try {
        next.set(key, componentEntry(file, readFileSync(file.path), uuidV5(`${file.domain}/${file.service}`), this.#entries.get(key)));
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
    this.#byId = new Map([...next.values()].map((e) => [e.id, e]));
    return report;
  }
}

/**
 * A component's entry from its bytes: the version is their hash, the signature is read from
 * them unless `previous` has the same version (a reload of an unchanged file reads nothing twice).
 */
export function componentEntry(
  file: { readonly domain: string; readonly service: string; readonly path: string; readonly configPath?: string | undefined },
  bytes: Uint8Array,
  id: string,
  previous?: ComponentEntry,
): ComponentEntry {
  const version = sha256Hex(bytes);
  const signature = previous?.version === version ? previous.signature : readComponentSignature(bytes);
  return {
    key: serviceKey(file.domain, file.service), domain: file.domain, service: file.service, id,
    version, path: file.path, size: bytes.length, configPath: file.configPath, bytes, signature,
  };
}
