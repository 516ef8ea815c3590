import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { TahoError } from '../errors.js';
import { storeUpload, uploadPath } from '../components/upload.js';
import type { ClusterStore } from '../store/ports/cluster.js';
import type { EventLog } from '../store/ports/events.js';

export interface ComponentSyncOptions {
  readonly store: ClusterStore;
  readonly events: EventLog;
  readonly dataDir: string;
  readonly nodeId: string;
  /** Components arrived from another node (names): load them. */
  readonly onArrived: (names: readonly string[]) => void;
  /** Another node was asked to reload: rescan this node's repositories too. */
  readonly onReload: () => void;
  readonly log?: ((line: string) => void) | undefined;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * Uploaded components and reloads, cluster-wide. An upload on one node stores its bytes in the
 * shared store (by content hash) and tells the others through the event log; each node copies
 * what it lacks into its own uploads repository, so every node serves every uploaded component
 * and a node that starts later gets them all. A reload on one node makes every node rescan.
 */
export class ComponentSync {
  readonly #o: ComponentSyncOptions;
  readonly #stop = new AbortController();
  /** Shared components already copied or compared here (name → sha256): not read and hashed again. */
  readonly #seen = new Map<string, string>();

  constructor(options: ComponentSyncOptions) {
    this.#o = options;
  }

  /** Copies what the cluster has and this node lacks, then follows uploads and reloads. */
  async start(): Promise<void> {
    const from = await this.#o.events.lastId();
    const arrived = await this.pull();
    if (arrived.length > 0) this.#o.onArrived(arrived);
    void this.#follow(from);
  }

  /** Shares a component just stored in this node's uploads; TAHO_CONFLICT if another node took the name with other bytes. */
  async publish(name: string, bytes: Uint8Array): Promise<void> {
    const hash = sha256(bytes);
    const stored = await this.#o.store.putComponent(name, hash, bytes);
    if (stored !== hash) {
      throw new TahoError('TAHO_CONFLICT', `another node of the cluster has a different component named ${name}`, {
        hint: 'Pick another name; `taho components` lists the names in use.',
      });
    }
    this.#seen.set(name, hash);
    await this.#o.events.append([{ kind: 'service', type: 'uploaded', subject: name, data: { sha256: hash, node: this.#o.nodeId } }]);
  }

  /** Tells the other nodes to rescan their repositories. */
  async reloaded(): Promise<void> {
    await this.#o.events.append([{ kind: 'service', type: 'reload-requested', subject: 'cluster', data: { node: this.#o.nodeId } }]);
  }

  /** Copies every shared component this node lacks; answers their names. */
  async pull(): Promise<string[]> {
    const arrived: string[] = [];
    for (const { name, sha256: hash } of await this.#o.store.components()) {
      const path = uploadPath(this.#o.dataDir, name);
      // Each name is looked at once: later uploads announce other names, not this one again.
      if (this.#seen.get(name) === hash) continue;
      if (existsSync(path)) {
        if (sha256(readFileSync(path)) !== hash) this.#o.log?.(`cluster: ${name} here differs from the cluster's; keeping this node's copy`);
        this.#seen.set(name, hash);
        continue;
      }
      const bytes = await this.#o.store.componentBytes(hash);
      if (!bytes) continue;
      try {
        storeUpload(this.#o.dataDir, name, bytes);
        this.#seen.set(name, hash);
        arrived.push(name);
      } catch (err) {
        this.#o.log?.(`cluster: cannot copy ${name}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return arrived;
  }

  close(): void {
    this.#stop.abort();
  }

  async #follow(after: number): Promise<void> {
    try {
      for await (const e of this.#o.events.follow({ after, kinds: ['service'], signal: this.#stop.signal })) {
        if (e.data.node === this.#o.nodeId) continue;
        if (e.type === 'uploaded') {
          const arrived = await this.pull();
          if (arrived.length > 0) this.#o.onArrived(arrived);
        } else if (e.type === 'reload-requested') {
          this.#o.onReload();
        }
      }
    } catch (err) {
      if (!this.#stop.signal.aborted) this.#o.log?.(`cluster: component sync stopped: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
