import TOML from '@iarna/toml';

/** Where a configuration value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** One layer of raw values, with a label per leaf saying where it was written (file path, variable). */
export interface ConfigLayer {
  readonly source: Exclude<ConfigSource, 'default'>;
  readonly values: Record<string, unknown>;
  /** `http.port` → `TAHO__HTTP__PORT`, or the file path for a file layer. */
  readonly origin: (path: string) => string;
}

export type PlainObject = Record<string, unknown>;

export function isPlainObject(v: unknown): v is PlainObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Dotted paths of every leaf (arrays are leaves: a layer replaces a list, never merges it). */
export function leafPaths(obj: PlainObject, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) => {
    const path = prefix ? `${prefix}.${k}` : k;
    return isPlainObject(v) && Object.keys(v).length > 0 ? leafPaths(v, path) : [path];
  });
}

export function getPath(obj: PlainObject, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

export function setPath(obj: PlainObject, path: readonly string[], value: unknown): void {
  let cur = obj;
  path.forEach((part, i) => {
    if (i === path.length - 1) {
      cur[part] = value;
      return;
    }
    const next = cur[part];
    if (!isPlainObject(next)) cur[part] = {};
    cur = cur[part] as PlainObject;
  });
}

export function deepMerge(base: PlainObject, over: PlainObject): PlainObject {
  const out: PlainObject = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

const ENV_PREFIX = 'TAHO__';

/**
 * TAHO's own override pattern: a double underscore per level, `TAHO__HTTP__PORT=9000` sets
 * `[http] port`. Values are read as TOML values (numbers, booleans, arrays) and fall back to a
 * plain string, so `TAHO__HTTP__BIND=0.0.0.0` needs no quoting.
 */
export function envLayer(env: NodeJS.ProcessEnv, aliases: Readonly<Record<string, string>> = {}): ConfigLayer {
  const values: PlainObject = {};
  const names = new Map<string, string>();
  // Short variables of global options (`TAHO_DATA_DIR` for `data_dir`) count as environment too.
  for (const [key, name] of Object.entries(aliases)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    setPath(values, key.split('.'), raw);
    names.set(key, name);
  }
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || raw === undefined) continue;
    const path = name.slice(ENV_PREFIX.length).split('__').map((p) => p.toLowerCase());
    if (path.some((p) => p === '')) continue;
    setPath(values, path, parseEnvValue(raw));
    names.set(path.join('.'), name);
  }
  return { source: 'env', values, origin: (p) => names.get(p) ?? `${ENV_PREFIX}${p.toUpperCase().replaceAll('.', '__')}` };
}

function parseEnvValue(raw: string): unknown {
  try {
    return (TOML.parse(`v = ${raw}`) as { v: unknown }).v;
  } catch {
    return raw;
  }
}
