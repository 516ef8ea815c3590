/**
 * The messages between the runtime's worker pool and one of its threads. A thread starts bare
 * (thread-main.ts); its first request loads the module of the family that takes it (a service
 * instance, agents' instances, a job run), whose handler then answers every later request.
 */

/** What a family module exports: a handler made once per thread, keeping the thread's state. */
export type ThreadHandler = (body: unknown) => unknown;

export interface FamilyModule {
  createHandler(): ThreadHandler;
}

/** A module a spare thread loads ahead of need; `warm` runs once (loads code, no component). */
export interface WarmModule {
  warm(): Promise<void>;
}

export type ThreadMessage =
  /** Makes `module`'s handler the thread's: one family per thread, for the thread's life. */
  | { readonly id: number; readonly load: string }
  | { readonly id: number; readonly warm: string }
  | { readonly id: number; readonly body: unknown }
  /** One way: no reply (an agent's instance closed). */
  | { readonly body: unknown };

/**
 * Replies come in the order of the requests: a thread handles one message after the other. Either
 * side may send an array of messages: those of one loop turn, in one hop.
 */
export type ThreadReply =
  | { readonly id: number; readonly value: unknown }
  /** The handler threw: a bug of the family module, never a component's fault (handlers catch those). */
  | { readonly id: number; readonly error: string };
