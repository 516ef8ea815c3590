import { isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { TahoError } from '../errors.js';
import { configSchema, type TahoConfig } from './schema.js';
import { getPath, leafPaths, type ConfigLayer, type ConfigSource, type PlainObject } from './layers.js';
import { readSources, type LoadConfigOptions, type Sources } from './sources.js';
import type { ConfigDifference } from './changes.js';

export type { LoadConfigOptions } from './sources.js';

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
  /** From a server: where the file, read now, differs from the values it runs with. */
  readonly differences?: readonly ConfigDifference[];
  /** From a server: why the file, read now, would be refused. */
  readonly file_error?: string;
}

export function configView(loaded: LoadedConfig): ConfigView {
  return { file: loaded.file ?? null, entries: loaded.entries };
}

/** Merges defaults < file < environment < flags, validates once and reports every problem together. */
export function loadConfig(options: LoadConfigOptions = {}, sources: Sources = readSources(options)): LoadedConfig {
  const { file, layers, merged, lastLayer, baseDir } = sources;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) throw invalid(parsed.error.issues, layers, file);

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
