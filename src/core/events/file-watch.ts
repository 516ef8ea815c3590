import { watch, type FSWatcher } from 'node:fs';

/**
 * Calls `onChange` when a file in `dir` is written (inotify through fs.watch), at most once per
 * `coalesceMs`: a process printing in a tight loop must not turn every write into an event.
 * Returns the stop function. A directory that cannot be watched (gone, too many watches) is
 * not an error: the followers' fallback wake-up covers it.
 */
export function watchDir(dir: string, onChange: () => void, coalesceMs = 10): () => void {
  let watcher: FSWatcher | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    watcher = watch(dir, { persistent: false }, () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        onChange();
      }, coalesceMs);
    });
    watcher.on('error', () => undefined);
  } catch {
    return () => undefined;
  }
  return () => {
    watcher?.close();
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
      onChange(); // what was written last is not left unannounced
    }
  };
}
