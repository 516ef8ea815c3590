import { EventEmitter } from 'node:events';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { watchDir } from '../../events/file-watch.js';
import type { TahoEvent } from '../ports/events.js';

/** How often a follower re-checks the file when no wake-up came: a safety net, not the way news arrives. */
const SAFETY_MS = 2000;

/**
 * Tells this process's followers that the log may have grown: at once after a commit made here,
 * and, for commits of other processes on the same file (a CLI assigning while the server
 * follows), when the directory's WAL file changes (inotify). While someone follows, a slow safety
 * check of `PRAGMA data_version` (it moves only when another connection committed) covers a
 * missed file event. Followers always re-read the log itself, so a wake-up carries no data and a
 * spurious one costs one indexed read.
 */
export class Changes {
  readonly #emitter = new EventEmitter<{ wake: []; notice: [TahoEvent] }>();
  readonly #dataDir: string;
  readonly #version: StatementSync;
  readonly #db: DatabaseSync;
  #followers = 0;
  #stopWatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastVersion = -1;

  constructor(db: DatabaseSync, dataDir: string) {
    this.#db = db;
    this.#dataDir = dataDir;
    this.#version = db.prepare('PRAGMA data_version');
    this.#emitter.setMaxListeners(0);
  }

  /** After a commit of this process. */
  committed(): void {
    if (this.#followers > 0) this.#emitter.emit('wake');
  }

  notice(e: TahoEvent): void {
    this.#emitter.emit('notice', e);
  }

  onNotice(fn: (e: TahoEvent) => void): () => void {
    this.#emitter.on('notice', fn);
    return () => this.#emitter.off('notice', fn);
  }

  /** A follower's subscription; the file watch runs while there is one. */
  onWake(fn: () => void): () => void {
    this.#emitter.on('wake', fn);
    if (this.#followers++ === 0) this.#start();
    return () => {
      this.#emitter.off('wake', fn);
      if (--this.#followers === 0) this.#stop();
    };
  }

  close(): void {
    this.#stop();
    this.#emitter.removeAllListeners();
  }

  #start(): void {
    this.#stopWatch = watchDir(this.#dataDir, () => this.#emitter.emit('wake'), 2);
    this.#timer = setInterval(() => {
      if (!this.#db.isOpen) return;
      let v: number;
      try {
        v = Number((this.#version.get() as { data_version: number }).data_version);
      } catch {
        // A failing file (damaged, gone) is reported by the next read or write; a timer must not crash the server.
        return;
      }
      if (v !== this.#lastVersion) {
        this.#lastVersion = v;
        this.#emitter.emit('wake');
      }
    }, SAFETY_MS);
    this.#timer.unref();
  }

  #stop(): void {
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
