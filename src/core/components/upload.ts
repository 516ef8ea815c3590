import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TahoError } from '../errors.js';
import { readComponentSignature } from './wit-reader.js';

const PART = /^[a-z0-9][a-z0-9._-]{0,127}$/i;

/** Where uploaded components live: a repository inside the data directory. */
export function uploadsRepository(dataDir: string): string {
  return join(dataDir, 'components');
}

/**
 * Stores an uploaded component as `<uploads>/<domain>/<service>.wasm`, after checking that it
 * is a component taho can read; a bare name goes under the `uploaded` domain.
 */
/** Removes an upload stored by `storeUpload` (a name the cluster refused). */
export function removeUpload(dataDir: string, name: string): void {
  rmSync(uploadPath(dataDir, name), { force: true });
}

/** `<uploads>/<domain>/<service>.wasm` of an upload name (`service` alone goes under `uploaded`). */
export function uploadPath(dataDir: string, name: string): string {
  const [domain = '', service = ''] = name.includes('/') ? name.split('/', 2) : ['uploaded', name];
  return join(uploadsRepository(dataDir), domain, `${service}.wasm`);
}

export function storeUpload(dataDir: string, name: string, bytes: Uint8Array): { domain: string; service: string } {
  const [domain, service] = name.includes('/') ? name.split('/', 2) : ['uploaded', name];
  if (!domain || !service || !PART.test(domain) || !PART.test(service) || name.split('/').length > 2) {
    throw new TahoError('TAHO_BAD_REQUEST', `"${name}" is not a component name`, {
      hint: 'Use <service> or <domain>/<service>: letters, digits, ".", "_" and "-", at most 128 each.',
    });
  }
  try {
    readComponentSignature(bytes);
  } catch (err) {
    throw new TahoError('TAHO_COMPONENT_INVALID', `the upload is not a usable WebAssembly component: ${(err as Error).message}`, {
      hint: 'Send the bytes of a component (a core module must first become a component, e.g. with `jco new`).',
    });
  }
  const path = uploadPath(dataDir, name);
  const dir = dirname(path);
  if (existsSync(path)) {
    throw new TahoError('TAHO_CONFLICT', `a component named ${domain}/${service} exists already`, {
      hint: 'Pick another name, or replace the file in its repository and reload.',
    });
  }
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, path);
  return { domain, service };
}
