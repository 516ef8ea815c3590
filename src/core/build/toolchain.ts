import { TahoError } from '../errors.js';

/**
 * Imports a piece of the build toolchain on first use: componentize-js alone is ~100 MB and
 * only `taho new` and `taho build` need it, so no other command pays for loading it. A piece
 * that is not installed is named, with how to get it.
 */
export async function loadTool<T>(specifier: string, what: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (err) {
    throw toolchainMissing(specifier, what, err);
  }
}

export function toolchainMissing(piece: string, what: string, cause: unknown): TahoError {
  const detail = cause instanceof Error ? cause.message.split('\n')[0] ?? '' : String(cause);
  return new TahoError('TAHO_TOOLCHAIN_MISSING', `${what} (${piece}) is missing: ${detail}`, {
    hint: 'taho build needs its npm dependencies installed whole: run `npm ci` in taho\'s folder (or `npm install` where taho is installed) and build again.',
    cause,
  });
}
