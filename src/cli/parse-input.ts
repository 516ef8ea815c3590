import { readFileSync } from 'node:fs';
import { TahoError } from '../core/errors.js';

/** A CLI argument is JSON when it parses as JSON, otherwise the string itself (`greet World`). */
export function parseArgument(arg: string): unknown {
  try {
    return JSON.parse(arg);
  } catch {
    return arg;
  }
}

/** A file named by a flag (`-` is stdin), with an error that names the flag. */
export function readText(source: string, flag: string): string {
  try {
    return readFileSync(source === '-' ? 0 : source, 'utf8');
  } catch (err) {
    throw new TahoError('TAHO_BAD_REQUEST', `cannot read ${flag} ${source}: ${(err as Error).message}`, {
      hint: 'Give a readable file, or - to read standard input.',
    });
  }
}

/** `--input <file|->`: the whole JSON input of a call, from a file or stdin. */
export function readInput(source: string): unknown {
  const text = readText(source, '--input');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new TahoError('TAHO_BAD_JSON', `--input ${source} is not valid JSON: ${(err as Error).message}`, {
      hint: 'The input is one JSON value: an array (positional), an object (by name) or a single value.',
    });
  }
}

/** `domain/service` (TAHO's `domain.service` is accepted too). */
export function parseTarget(target: string): { domain: string; service: string } {
  const m = /^([^/.\s]+)[/.]([^/\s]+)$/.exec(target);
  if (!m?.[1] || !m[2]) {
    throw new TahoError('TAHO_BAD_REQUEST', `"${target}" is not a service name`, {
      hint: 'Name a service as <domain>/<service>, e.g. example/hello; `taho services` lists them.',
    });
  }
  return { domain: m[1], service: m[2] };
}

/** The bytes of a file named on the command line, with an error that says which file and why. */
export function readBytes(file: string): Uint8Array {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new TahoError('TAHO_BAD_REQUEST', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'Give the path of a .wasm component.',
    });
  }
}
