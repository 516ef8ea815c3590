import { fileURLToPath } from 'node:url';

/** The installed taho package's root (this file sits two levels below it, in src/ or dist/). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url));
}
