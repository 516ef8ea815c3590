import { instantiateInWorker, type WorkerInit } from '../components/worker-instance.js';
import { LinearMemory } from '../components/linear-memory.js';
import { lookup } from '../services/inline-executor.js';
import type { ThreadHandler } from '../workers/protocol.js';
import { HostJournal } from './host-journal.js';
import { runSteps, type Step, type StepResult } from './instance.js';

/**
 * What an agent pool thread runs: many agents' instances, each with its own host journal, so the
 * recording of clocks and random numbers happens next to the call, and a call that never returns
 * can be stopped by terminating the thread. The instances stay between calls: that is the agents' state.
 */
export type AgentThreadMessage =
  | { readonly op: 'open'; readonly iid: number; readonly init: WorkerInit; readonly arguments: readonly string[] }
  | { readonly op: 'run'; readonly iid: number; readonly steps: readonly Step[] }
  /** Sent one way (notify): nothing waits for it. */
  | { readonly op: 'close'; readonly iid: number };

export type AgentThreadReply =
  | { readonly ok: true; readonly results?: StepResult[]; readonly memory?: number }
  | { readonly ok: false; readonly message: string };

interface Hosted {
  readonly exports: Record<string, unknown>;
  readonly memory: LinearMemory;
  readonly journal: HostJournal;
  trapped: boolean;
}

export function createHandler(): ThreadHandler {
  const hosted = new Map<number, Hosted>();

  const open = async (msg: Extract<AgentThreadMessage, { op: 'open' }>): Promise<AgentThreadReply> => {
    try {
      const journal = new HostJournal();
      const memory = new LinearMemory();
      const exports = await instantiateInWorker(msg.init, { ...journal.hooks, arguments: msg.arguments }, memory);
      hosted.set(msg.iid, { exports, memory, journal, trapped: false });
      return { ok: true, memory: memory.bytes };
    } catch (err) {
      return { ok: false, message: err instanceof Error ? err.message : String(err) };
    }
  };

  return (body): AgentThreadReply | Promise<AgentThreadReply> | undefined => {
    const msg = body as AgentThreadMessage;
    if (msg.op === 'close') {
      hosted.delete(msg.iid);
      return undefined;
    }
    if (msg.op === 'open') return open(msg);
    const h = hosted.get(msg.iid);
    if (!h || h.trapped) return { ok: false, message: h ? 'the instance trapped before' : 'no such instance in this thread' };
    const results = runSteps((path, args) => lookup(h.exports, path)(...args), h.journal, msg.steps);
    const last = results.at(-1);
    if (last && ('diverged' in last || (!last.ok && last.trap))) h.trapped = true;
    return { ok: true, results, memory: h.memory.bytes };
  };
}
