/**
 * Where a service's calls run: inline on the caller's thread (fastest, cannot be interrupted) or
 * in worker threads (a call past the invoke timeout is stopped by terminating its thread).
 */
export type Isolation = 'inline' | 'worker';

/** What a call threw: the `E` of a `result<T, E>` (a WIT value), or a trap with its message. */
export class CallFailure extends Error {
  readonly trap: boolean;
  readonly payload: unknown;

  constructor(trap: boolean, message: string, payload: unknown) {
    super(message);
    this.name = 'CallFailure';
    this.trap = trap;
    this.payload = payload;
  }

  static from(err: unknown): CallFailure {
    if (err instanceof CallFailure) return err;
    // jco throws the `E` of a returned result as is (never an Error); older jco wraps it in ComponentError.
    if (err instanceof Error && err.name === 'ComponentError' && 'payload' in err) return new CallFailure(false, '', err.payload);
    if (err instanceof Error) return new CallFailure(true, err.message, undefined);
    return new CallFailure(false, '', err);
  }
}

export interface Executor {
  /** Runs the function at `path` of the component's exports with already-lowered arguments. */
  call(path: readonly string[], args: readonly unknown[], timeoutMs: number): Promise<unknown>;
  /** The synchronous path, when the executor has one (inline, instance ready). */
  callSync?(path: readonly string[], args: readonly unknown[]): unknown;
  warm(): Promise<void>;
  readonly ready: boolean;
  dispose(): Promise<void>;
}
