import { TahoError } from '../errors.js';
import type { ComponentEntry } from '../components/registry.js';
import { CallFailure } from '../services/executor.js';
import type { HostRecord } from '../store/ports/agents.js';
import type { HostJournal } from './host-journal.js';

/** One call into an agent's instance: live (host answers recorded) or replayed (host answers given). */
export interface Step {
  readonly path: readonly string[];
  readonly args: readonly unknown[];
  /** The host answers recorded when this call ran live; absent for a live call. */
  readonly replay?: readonly HostRecord[] | undefined;
  /** Names the call in a divergence message. */
  readonly label: string;
}

export type StepResult =
  | { readonly ok: true; readonly value: unknown; readonly host: readonly HostRecord[] }
  | { readonly ok: false; readonly trap: boolean; readonly message: string; readonly payload: unknown; readonly host: readonly HostRecord[] }
  | { readonly diverged: string };

/** A component instance holding one agent's state, wherever it runs. */
export interface AgentInstance {
  /**
   * Runs the steps in order. It stops early after a divergence or a trap (the instance is then
   * unusable), so fewer results than steps means the last one is why.
   * Rejects with InstanceLost when the instance disappeared for a reason outside this call (its
   * thread was stopped for another agent), with TAHO_INVOKE_TIMEOUT when this call ran too long.
   */
  run(steps: readonly Step[], timeoutMs: number): Promise<StepResult[]>;
  /** Bytes of linear memory the instance held after its last call (0 once it is gone). */
  memoryBytes(): number;
  dispose(): void;
}

export interface AgentWasi {
  readonly arguments: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
}

/** Where agent instances live: on the caller's thread, or in worker threads that can be stopped. */
export interface AgentHost {
  open(entry: ComponentEntry, wasi: AgentWasi): Promise<AgentInstance>;
  /** Gets ready ahead of the first call (threads started, WASI shim loaded). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The instance went away without this call being at fault: nothing of the call ran, so the
 * agent rebuilds from its oplog and runs it again.
 */
export class InstanceLost extends Error {
  constructor(reason: string) {
    super(`the agent's instance was lost: ${reason}`);
    this.name = 'InstanceLost';
  }
}

/** The step loop both hosts share: the journal records or replays the host answers around each call. */
export function runSteps(call: (path: readonly string[], args: readonly unknown[]) => unknown, journal: HostJournal, steps: readonly Step[]): StepResult[] {
  const out: StepResult[] = [];
  for (const step of steps) {
    if (step.replay) journal.replay(step.replay, step.label);
    else journal.live();
    let result: StepResult;
    try {
      const value = call(step.path, step.args);
      result = { ok: true, value, host: step.replay ? [] : journal.take() };
    } catch (err) {
      if (step.replay && isDivergence(err)) return [...out, { diverged: (err as Error).message }];
      const f = CallFailure.from(err);
      result = { ok: false, trap: f.trap, message: f.message, payload: f.payload, host: step.replay ? [] : journal.take() };
    }
    if (step.replay) {
      try {
        journal.finishReplay();
      } catch (err) {
        return [...out, { diverged: (err as Error).message }];
      }
    }
    out.push(result);
    if (!result.ok && result.trap) return out;
  }
  return out;
}

function isDivergence(err: unknown): boolean {
  if (err instanceof TahoError) return err.code === 'TAHO_AGENT_DIVERGED';
  return err instanceof Error && err.message.includes('replay diverged:');
}
