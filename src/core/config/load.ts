import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import TOML from '@iarna/toml';
import type { z } from 'zod';
import { TahoError } from '../errors.js';
import { configSchema, type TahoConfig } from './schema.js';
import {
  deepMerge, envLayer, getPath, isPlainObject, leafPaths,
  type ConfigLayer, type ConfigSource, type PlainObject,
} from './layers.js';

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

export interface ConfigEntry {
  readonly key: string;
  readonly value: unknown;
  readonly source: ConfigSource;
  /** The file, variable or flag that set it. */
  readonly origin?: string;
}

export interface LoadedConfig {
  readonly config: TahoConfig;
  readonly file: string | undefined;
  readonly entries: readonly ConfigEntry[];
}

/** The merged configuration as `taho config` shows it, in-process or over HTTP. */
export interface ConfigView {
  readonly file: string | null;
  readonly entries: readonly ConfigEntry[];
}

export function configView(loaded: LoadedConfig): ConfigView {
  return { file: loaded.file ?? null, entries: loaded.entries };
}

const FILE_NAME = 'config.toml';

/** Merges defaults < file < environment < flags, validates once and reports every problem together. */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const file = findFile(cwd, options.configFile);
  const layers: ConfigLayer[] = [];
  if (file) layers.push({ source: 'file', values: readToml(file), origin: () => file });
  layers.push(envLayer(env, options.envAliases));
  if (options.flags) layers.push(flagLayer(options.flags));

  const merged = layers.reduce<PlainObject>((acc, l) => deepMerge(acc, l.values), {});
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw invalid(parsed.error.issues, layers, file);

  const lastLayer = (key: string): ConfigLayer | undefined =>
    layers.findLast((l) => getPath(l.values, key) !== undefined);
  const baseDir = (key: string): string => (lastLayer(key)?.source === 'file' && file ? dirname(file) : cwd);

  const p = parsed.data;
  const config: TahoConfig = {
    ...p,
    data_dir: resolve(baseDir('data_dir'), p.data_dir),
    repositories: p.repositories.map((r) => ({ path: isAbsolute(r.path) ? r.path : resolve(baseDir('repositories'), r.path) })),
    jobs: { ...p.jobs, allowed_paths: p.jobs.allowed_paths.map((d) => resolve(baseDir('jobs.allowed_paths'), d)) },
    http: {
      ...p.http,
      ...pathsOf(p.http, ['cert_file', 'key_file', 'ca_file'], (key) => baseDir(`http.${key}`)),
      base_url: p.http.base_url ?? `http://${hostForUrl(p.http.bind)}:${p.http.port}/api`,
    },
  };
  const entries = leafPaths(config as unknown as PlainObject).map((key): ConfigEntry => {
    const layer = lastLayer(key);
    const value = getPath(config as unknown as PlainObject, key);
    return layer ? { key, value, source: layer.source, origin: layer.origin(key) } : { key, value, source: 'default' };
  });
  return { config, file, entries };
}

/** TLS files and the like resolve against the config file's directory when set there. */
function pathsOf<T extends Record<string, unknown>>(obj: T, keys: readonly (keyof T & string)[], base: (key: string) => string): Partial<T> {
  const out: Record<string, string> = {};
  for (const key of keys) {
    const v = obj[key];
    if (typeof v === 'string') out[key] = resolve(base(key), v);
  }
  return out as Partial<T>;
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

function hostForUrl(bind: string): string {
  if (bind === '0.0.0.0' || bind === '::') return '127.0.0.1';
  return bind.includes(':') ? `[${bind}]` : bind;
}

function invalid(issues: readonly z.core.$ZodIssue[], layers: readonly ConfigLayer[], file: string | undefined): TahoError {
  const lines = issues.flatMap((issue) => {
    const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
    return paths.map((path) => {
      // Lists are leaves of a layer, so the place is found by the list's key; the item is named apart.
      const at = path.findIndex((p) => typeof p === 'number');
      const key = (at < 0 ? path : path.slice(0, at)).join('.');
      const item = at < 0 ? '' : ` item ${Number(path[at]) + 1}${path.length > at + 1 ? ` ${path.slice(at + 1).join('.')}` : ''}`;
      const layer = layers.findLast((l) => getPath(l.values, key) !== undefined);
      const where = layer ? layer.origin(key) : (file ?? 'defaults');
      return `${where}: ${describeKey(key)}${item}: ${describeIssue(issue, key, layer, path)}`;
    });
  });
  return new TahoError('TAHO_CONFIG_INVALID', `invalid configuration:\n  ${lines.join('\n  ')}`, {
    hint: 'Fix the keys listed above; `taho config` shows every key with its current value and source.',
    details: lines,
  });
}

function describeKey(key: string): string {
  const parts = key.split('.');
  const leaf = parts.pop() ?? key;
  return parts.length > 0 ? `[${parts.join('.')}] ${leaf}` : leaf;
}

function describeIssue(issue: z.core.$ZodIssue, key: string, layer: ConfigLayer | undefined, path: readonly PropertyKey[]): string {
  const value = layer ? getPath(layer.values, key) : undefined;
  const inner = path.slice(key.split('.').length).reduce<unknown>((v, p) => (v as Record<PropertyKey, unknown> | undefined)?.[p], value);
  const given = inner === undefined ? 'nothing' : JSON.stringify(inner);
  switch (issue.code) {
    case 'unrecognized_keys':
      return `unknown key (allowed here: ${allowedKeys(path.slice(0, -1)).join(', ')})`;
    case 'invalid_type':
      return `expected ${issue.expected}, got ${given}`;
    case 'too_small':
    case 'too_big':
      return `${issue.message.replace(/^Too (small|big): expected number to be /, 'must be ')}, got ${given}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}, got ${given}`;
    default:
      return `${issue.message}, got ${given}`;
  }
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  let schema: unknown = configSchema;
  for (const part of path) {
    const s = unwrap(schema) as { element?: unknown; shape?: Record<string, unknown> } | undefined;
    schema = typeof part === 'number' ? s?.element : s?.shape?.[String(part)];
  }
  return Object.keys(unwrapShape(schema) ?? {});
}

function unwrap(schema: unknown): unknown {
  let s = schema as { def?: { innerType?: unknown; type?: string } } | undefined;
  while (s?.def?.innerType) s = s.def.innerType as typeof s;
  return s;
}

function unwrapShape(schema: unknown): Record<string, unknown> | undefined {
  return (unwrap(schema) as { shape?: Record<string, unknown> } | undefined)?.shape;
}
