import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import TOML from '@iarna/toml';
import { TahoError } from '../errors.js';
import { deepMerge, envLayer, getPath, isPlainObject, type ConfigLayer, type PlainObject } from './layers.js';

/**
 * Where configuration comes from (file, environment, flags), read without validating it: the
 * schema (zod) costs a tenth of a second to import, and a command that only needs to find the
 * server of its data directory should not pay it.
 */

export interface LoadConfigOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** An explicit file (`--config` / `TAHO_CONFIG`): it must exist. Otherwise `./config.toml` if present. */
  readonly configFile?: string | undefined;
  /** Environment variables that set a key directly, e.g. `{ data_dir: 'TAHO_DATA_DIR' }`. */
  readonly envAliases?: Readonly<Record<string, string>>;
  /** Values from command-line flags, by dotted key (`http.port`, `data_dir`). */
  readonly flags?: Readonly<Record<string, unknown>>;
}

export const DEFAULT_DATA_DIR = '.taho';

const FILE_NAME = 'config.toml';

export interface Sources {
  readonly cwd: string;
  readonly file: string | undefined;
  /** Lowest precedence first. */
  readonly layers: readonly ConfigLayer[];
  readonly merged: PlainObject;
  readonly lastLayer: (key: string) => ConfigLayer | undefined;
  /** Relative paths resolve against the config file's directory when set there, else the working directory. */
  readonly baseDir: (key: string) => string;
}

export function readSources(options: LoadConfigOptions = {}): Sources {
  const cwd = options.cwd ?? process.cwd();
  const file = findFile(cwd, options.configFile);
  const layers: ConfigLayer[] = [];
  if (file) layers.push({ source: 'file', values: readToml(file), origin: () => file });
  layers.push(envLayer(options.env ?? process.env, options.envAliases));
  if (options.flags) layers.push(flagLayer(options.flags));
  const merged = layers.reduce<PlainObject>((acc, l) => deepMerge(acc, l.values), {});
  const lastLayer = (key: string): ConfigLayer | undefined => layers.findLast((l) => getPath(l.values, key) !== undefined);
  const baseDir = (key: string): string => (lastLayer(key)?.source === 'file' && file ? dirname(file) : cwd);
  return { cwd, file, layers, merged, lastLayer, baseDir };
}

/**
 * The data directory the sources name, as loadConfig resolves it; undefined when its value is
 * not a usable string (loadConfig then reports why).
 */
export function dataDirOf(sources: Sources): string | undefined {
  const raw = getPath(sources.merged, 'data_dir') ?? DEFAULT_DATA_DIR;
  return typeof raw === 'string' && raw !== '' ? resolve(sources.baseDir('data_dir'), raw) : undefined;
}

function findFile(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) {
    const path = resolve(cwd, explicit);
    if (!existsSync(path)) {
      throw new TahoError('TAHO_CONFIG_NOT_FOUND', `config file ${path} does not exist`, {
        hint: 'Check the path given with --config or TAHO_CONFIG, or leave it out to use ./config.toml and the defaults.',
      });
    }
    return path;
  }
  const local = resolve(cwd, FILE_NAME);
  return existsSync(local) ? local : undefined;
}

function readToml(file: string): PlainObject {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TahoError('TAHO_CONFIG_INVALID', `cannot read config file ${file}: ${(err as Error).message}`, {
      hint: 'Make sure the file exists and is readable.',
    });
  }
  try {
    const parsed: unknown = TOML.parse(text);
    return isPlainObject(parsed) ? parsed : {};
  } catch (err) {
    const e = err as { line?: number; col?: number; message: string };
    const where = e.line === undefined ? file : `${file}:${e.line + 1}:${(e.col ?? 0) + 1}`;
    throw new TahoError('TAHO_CONFIG_INVALID', `${where}: not valid TOML: ${e.message.split('\n')[0]}`, {
      hint: 'Fix the TOML syntax at that position (see https://toml.io).',
    });
  }
}

function flagLayer(flags: Readonly<Record<string, unknown>>): ConfigLayer {
  const values: PlainObject = {};
  for (const [key, value] of Object.entries(flags)) {
    if (value === undefined) continue;
    values[key] = value;
  }
  const nested = Object.entries(values).reduce<PlainObject>((acc, [k, v]) => deepMerge(acc, nest(k.split('.'), v)), {});
  return { source: 'flag', values: nested, origin: (key) => `--${key.split('.').at(-1)?.replaceAll('_', '-') ?? key}` };
}

function nest(path: readonly string[], value: unknown): PlainObject {
  return path.reduceRight<unknown>((inner, part) => ({ [part]: inner }), value) as PlainObject;
}
