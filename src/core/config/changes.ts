import type { TahoConfig } from './schema.js';
import { getPath, isPlainObject, leafPaths, setPath, type PlainObject } from './layers.js';
import type { ConfigEntry, LoadedConfig } from './load.js';

/**
 * What a running server can take from a changed configuration without a restart: where
 * components come from, the town's presets, and limits read at each call or at a service's next
 * start. Everything else (ports, TLS, auth, the store, thread pools) is named "restart to apply".
 */
export const LIVE_KEYS: readonly string[] = [
  'repositories',
  'examples',
  'town.presets',
  'town.default_cli',
  'limits.invoke_timeout_ms',
  'jobs.default_timeout_s',
];

export interface ConfigChanges {
  /** Keys applied to the running server. */
  readonly applied: readonly string[];
  /** Keys whose new value waits for a restart (the server keeps the old one). */
  readonly restart: readonly string[];
}

export function isLive(key: string): boolean {
  return LIVE_KEYS.some((k) => key === k || key.startsWith(`${k}.`));
}

/** Leaf keys whose value differs between two configurations (either side may lack the key). */
export function changedKeys(a: TahoConfig, b: TahoConfig): string[] {
  const ao = a as unknown as PlainObject;
  const bo = b as unknown as PlainObject;
  const keys = new Set([...leafPaths(ao), ...leafPaths(bo)]);
  return [...keys].filter((k) => {
    const [x, y] = [getPath(ao, k), getPath(bo, k)];
    // An empty table on one side is not a change of its own: its new or old entries are named.
    if ((isPlainObject(x) || x === undefined) && (isPlainObject(y) || y === undefined)) return false;
    return JSON.stringify(x) !== JSON.stringify(y);
  }).sort();
}

/**
 * The configuration a server runs after reading `next`: its live keys from `next`, the rest
 * kept as they run (with their entries, so `taho config` keeps telling the truth).
 */
export function applyLive(running: LoadedConfig, next: LoadedConfig): { loaded: LoadedConfig; changes: ConfigChanges } {
  const changed = changedKeys(running.config, next.config);
  const restart = changed.filter((k) => !isLive(k));
  const config = structuredClone(running.config) as unknown as PlainObject;
  for (const key of LIVE_KEYS) {
    const value = getPath(next.config as unknown as PlainObject, key);
    if (value !== undefined || isPlainObject(getPath(config, key))) setPath(config, key.split('.'), structuredClone(value));
  }
  const kept = new Map(running.entries.map((e) => [e.key, e]));
  const present = new Set(next.entries.map((e) => e.key));
  const entries: ConfigEntry[] = [
    ...next.entries.flatMap((e) => (restart.includes(e.key) ? kept.get(e.key) ?? [] : [e])),
    ...restart.filter((k) => !present.has(k)).flatMap((k) => kept.get(k) ?? []),
  ];
  return {
    loaded: { config: config as unknown as TahoConfig, file: next.file, entries },
    changes: { applied: changed.filter(isLive), restart },
  };
}

export interface ConfigDifference {
  readonly key: string;
  readonly running: unknown;
  readonly file: unknown;
  /** Whether `taho reload` applies it, or only a restart does. */
  readonly live: boolean;
}

/** Where the file (as read now) differs from what the server runs. */
export function differences(running: TahoConfig, read: TahoConfig): ConfigDifference[] {
  const r = running as unknown as PlainObject;
  const f = read as unknown as PlainObject;
  return changedKeys(running, read).map((key) => ({ key, running: getPath(r, key) ?? null, file: getPath(f, key) ?? null, live: isLive(key) }));
}
