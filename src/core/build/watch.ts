import { watch, type FSWatcher } from 'node:fs';
import type { Project } from './project.js';

export interface Watcher {
  close(): void;
}

/** Edits land as bursts of events (an editor's save is several); one build follows the burst. */
const SETTLE_MS = 150;

/**
 * Calls `rebuild` after each change to a project's sources (generated/ and node_modules aside).
 * Builds of one project never overlap: a change during a build queues one more build after it.
 */
export function watchProjects(projects: readonly Project[], rebuild: (project: Project) => Promise<void>): Watcher {
  const watchers: FSWatcher[] = [];
  for (const project of projects) {
    let timer: NodeJS.Timeout | undefined;
    let running: Promise<void> | undefined;
    let again = false;
    const run = (): void => {
      if (running) {
        again = true;
        return;
      }
      running = rebuild(project).finally(() => {
        running = undefined;
        if (again) {
          again = false;
          run();
        }
      });
    };
    watchers.push(watch(project.dir, { recursive: true }, (_event, file) => {
      const path = String(file ?? '');
      if (/^(generated|node_modules)(\/|$)/.test(path) || path.split('/').some((p) => p.startsWith('.'))) return;
      clearTimeout(timer);
      timer = setTimeout(run, SETTLE_MS);
    }));
  }
  return { close: () => watchers.forEach((w) => w.close()) };
}
