import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';

/** The installed taho package's root (this file sits two levels below it, in src/ or dist/). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}

/** The installed taho package's version (package.json). */
export function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
