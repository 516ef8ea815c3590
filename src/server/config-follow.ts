import { basename, dirname } from 'node:path';
import { applyLive, differences, type ConfigChanges } from '../core/config/changes.js';
import { configView, type ConfigView, type LoadedConfig } from '../core/config/load.js';
import { toTahoError } from '../core/errors.js';
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import type { Runtime } from '../core/runtime.js';

export interface FollowOptions {
  readonly runtime: Runtime;
  readonly loaded: LoadedConfig;
  /** Reads the file, environment and flags again, as `serve` read them at start. */
  readonly reread: () => Promise<LoadedConfig>;
  /** The file to watch (the one in use, or the ./config.toml that would be): none, no watching. */
  readonly watch?: string | undefined;
  readonly log: (line: string) => void;
  /** Told after each applied reload, so clients can tell an older file from the one running. */
  readonly onApplied?: (loaded: LoadedConfig) => void;
}

/** A server's configuration: what it runs with, and how it follows a changed file. */
export interface ConfigFollower {
  /** The values running, and where the file read now differs from them. */
  view(): Promise<ConfigView>;
  /** Re-reads and applies the live keys; a bad file throws the start-up messages and changes nothing. */
  reload(): Promise<ConfigChanges>;
  close(): void;
}

export function followConfig({ runtime, loaded, reread, watch, log, onApplied }: FollowOptions): ConfigFollower {
  let running = loaded;
  const reload = async (): Promise<ConfigChanges> => {
    const next = await reread();
    const { loaded: applied, changes } = applyLive(running, next);
    running = applied;
    runtime.reconfigure(applied.config);
    onApplied?.(applied);
    return changes;
  };
  // A saved file reloads by itself; editors write in several steps, so changes settle first.
  const stop = watch === undefined ? () => undefined : watchFile(watch, () => {
    void reload().then((changes) => {
      const report = runtime.reload();
      log(describeChanges(changes, report.added.length + report.updated.length + report.removed.length));
    }, (err: unknown) => {
      const e = toTahoError(err);
      log(`taho: ${basename(watch)} changed but was not applied (the server keeps its configuration): ${e.message}`);
      if (e.hint) log(`Hint: ${e.hint}`);
    });
  });
  return {
    async view() {
      const base = configView(running);
      try {
        const read = await reread();
        return { ...base, differences: differences(running.config, read.config) };
      } catch (err) {
        return { ...base, differences: [], file_error: toTahoError(err).message };
      }
    },
    reload,
    close: stop,
  };
}

function describeChanges(changes: ConfigChanges, components: number): string {
  const parts = [
    changes.applied.length > 0 ? `applied ${changes.applied.join(', ')}` : 'nothing to apply',
    ...(components > 0 ? [`${components} component change${components === 1 ? '' : 's'}`] : []),
    ...(changes.restart.length > 0 ? [`restart to apply: ${changes.restart.join(', ')}`] : []),
  ];
  return `taho: configuration reloaded: ${parts.join('; ')}`;
}

/**
 * Watches the file's directory, not the file: editors save by writing a new file and renaming it
 * over the old one, which a watch on the old inode would miss. Several writes in a row settle first.
 */
function watchFile(file: string, onChange: () => void, settleMs = 150): () => void {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    watcher = fsWatch(dirname(file), { persistent: false }, (_event, name) => {
      if (name !== null && name !== basename(file)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(onChange, settleMs);
    });
    watcher.on('error', () => undefined);
  } catch {
    return () => undefined; // a directory that cannot be watched: `taho reload` still works
  }
  return () => {
    watcher?.close();
    if (timer) clearTimeout(timer);
  };
}
