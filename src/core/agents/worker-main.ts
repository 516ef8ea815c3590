import { parentPort } from 'node:worker_threads';
import { HostImports } from '../components/host.js';
import { instantiateInWorker, type WorkerInit } from '../components/worker-instance.js';
import { lookup } from '../services/inline-executor.js';
import { HostJournal } from './host-journal.js';
import { LinearMemory } from '../components/linear-memory.js';
import { runSteps, type Step, type StepResult } from './instance.js';

/**
 * The inside of an agent thread: many agents' instances, each with its own host journal, so the
 * recording of clocks and random numbers happens next to the call, and a call that never returns
 * can be stopped by terminating the thread.
 */
export type AgentThreadMessage =
  | { readonly op: 'open'; readonly id: number; readonly iid: number; readonly init: WorkerInit; readonly arguments: readonly string[] }
  | { readonly op: 'run'; readonly id: number; readonly iid: number; readonly steps: readonly Step[] }
  | { readonly op: 'close'; readonly iid: number }
  | { readonly op: 'warm'; readonly id: number };

export type AgentThreadReply =
  | { readonly id: number; readonly ok: true; readonly results?: StepResult[]; readonly memory?: number }
  | { readonly id: number; readonly ok: false; readonly message: string };

interface Hosted {
  readonly exports: Record<string, unknown>;
  readonly memory: LinearMemory;
  readonly journal: HostJournal;
  trapped: boolean;
}

const port = parentPort;
if (port) {
  const hosted = new Map<number, Hosted>();
  // Opening is asynchronous; the chain keeps every message in arrival order regardless.
  let chain: Promise<void> = Promise.resolve();
  const reply = (r: AgentThreadReply): void => port.postMessage(r);

  const handle = async (msg: AgentThreadMessage): Promise<void> => {
    if (msg.op === 'close') {
      hosted.delete(msg.iid);
      return;
    }
    if (msg.op === 'warm') {
      // Loads the WASI shim, the slowest part of a thread's first instantiation.
      await new HostImports().create(['wasi:cli/environment'], {});
      reply({ id: msg.id, ok: true });
      return;
    }
    if (msg.op === 'open') {
      try {
        const journal = new HostJournal();
        const memory = new LinearMemory();
        const exports = await instantiateInWorker(msg.init, { ...journal.hooks, arguments: msg.arguments }, memory);
        hosted.set(msg.iid, { exports, memory, journal, trapped: false });
        reply({ id: msg.id, ok: true, memory: memory.bytes });
      } catch (err) {
        reply({ id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    const h = hosted.get(msg.iid);
    if (!h || h.trapped) {
      reply({ id: msg.id, ok: false, message: h ? 'the instance trapped before' : 'no such instance in this thread' });
      return;
    }
    const results = runSteps((path, args) => lookup(h.exports, path)(...args), h.journal, msg.steps);
    const last = results.at(-1);
    if (last && ('diverged' in last || (!last.ok && last.trap))) h.trapped = true;
    reply({ id: msg.id, ok: true, results, memory: h.memory.bytes });
  };

  port.on('message', (msg: AgentThreadMessage) => {
    chain = chain.then(() => handle(msg));
  });
}
