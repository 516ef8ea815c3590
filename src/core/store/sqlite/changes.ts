import { EventEmitter } from 'node:events';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { watchDir } from '../../events/file-watch.js';
import type { TahoEvent } from '../ports/events.js';

/** How often a follower re-checks the file when no wake-up came: a safety net, not the way news arrives. */
const SAFETY_MS = 2000;

/**
 * Tells this process's followers that the log grew. A commit made here hands its events along
 * (ids contiguous, in commit order): a follower that has read up to just before them takes them
 * as they are, with no read of the file. Commits of other processes on the same file (a CLI
 * assigning while the server follows) are noticed when the directory's WAL file changes
 * (inotify) and `PRAGMA data_version` moved (it moves only when another connection committed,
 * so this process's own writes do not wake anyone twice); while someone follows, a slow check of
 * it covers a missed file event. Those wake-ups carry no events: followers then read the log.
 */
export class Changes {
  readonly #emitter = new EventEmitter<{ wake: [readonly TahoEvent[] | undefined]; notice: [TahoEvent] }>();
  readonly #dataDir: string;
  readonly #version: StatementSync;
  readonly #db: DatabaseSync;
  #followers = 0;
  #stopWatch: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastVersion = -1;
  /** This turn's commits, for the followers after it. */
  #turn: (readonly TahoEvent[])[] = [];
  #turnEnd: NodeJS.Immediate | undefined;

  constructor(db: DatabaseSync, dataDir: string) {
    this.#db = db;
    this.#dataDir = dataDir;
    this.#version = db.prepare('PRAGMA data_version');
    this.#emitter.setMaxListeners(0);
  }

  /**
   * After a commit of this process, with the events it wrote (one transaction's, so their ids are
   * contiguous). Followers hear of the commits of a loop turn together, after it: a stream then
   * writes them in one go, as the event bus before the outbox did (jobs commit three or four
   * times each: 200 jobs over a stream of job events took 545 socket writes sent one by one, 288
   * this way; the bus: 237).
   */
  committed(events: readonly TahoEvent[]): void {
    if (this.#followers === 0 || events.length === 0) return;
    this.#turn.push(events);
    this.#turnEnd ??= setImmediate(() => {
      this.#turnEnd = undefined;
      const turn = this.#turn;
      this.#turn = [];
      for (const batch of turn) this.#emitter.emit('wake', batch);
    });
  }

  notice(e: TahoEvent): void {
    this.#emitter.emit('notice', e);
  }

  onNotice(fn: (e: TahoEvent) => void): () => void {
    this.#emitter.on('notice', fn);
    return () => this.#emitter.off('notice', fn);
  }

  /**
   * A follower's subscription: `fn` gets the events of each commit made here, or undefined when
   * another process committed (read the log). The file watch runs while there is a follower.
   */
  onWake(fn: (events: readonly TahoEvent[] | undefined) => void): () => void {
    this.#emitter.on('wake', fn);
    if (this.#followers++ === 0) this.#start();
    return () => {
      this.#emitter.off('wake', fn);
      if (--this.#followers === 0) this.#stop();
    };
  }

  close(): void {
    clearImmediate(this.#turnEnd);
    this.#turnEnd = undefined;
    this.#turn = [];
    this.#stop();
    this.#emitter.removeAllListeners();
  }

  #start(): void {
    this.#lastVersion = this.#dataVersion();
    this.#stopWatch = watchDir(this.#dataDir, () => this.#otherCommitted(), 2);
    this.#timer = setInterval(() => this.#otherCommitted(), SAFETY_MS);
    this.#timer.unref();
  }

  /** Wakes the followers when another connection committed since the last look. */
  #otherCommitted(): void {
    const v = this.#dataVersion();
    if (v === this.#lastVersion) return;
    this.#lastVersion = v;
    this.#emitter.emit('wake', undefined);
  }

  #dataVersion(): number {
    if (!this.#db.isOpen) return this.#lastVersion;
    try {
      return Number((this.#version.get() as { data_version: number }).data_version);
    } catch {
      // A file that cannot be read now: wake the followers (NaN equals nothing), whose read reports it.
      return Number.NaN;
    }
  }

  #stop(): void {
    this.#stopWatch?.();
    this.#stopWatch = undefined;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
