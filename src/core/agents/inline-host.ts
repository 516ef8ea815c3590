import type { ComponentLoader } from '../components/loader.js';
import type { ComponentEntry } from '../components/registry.js';
import { InlineExecutor } from '../services/inline-executor.js';
import { HostJournal } from './host-journal.js';
import { LinearMemory } from '../components/linear-memory.js';
import { InstanceLost, runSteps, type AgentHost, type AgentInstance, type AgentWasi, type Step, type StepResult } from './instance.js';

/**
 * Agents on the caller's thread: the fastest path, for one-shot CLI calls and benchmarks, but a
 * call that never returns cannot be stopped (the invoke timeout does not apply).
 */
export class InlineAgentHost implements AgentHost {
  readonly #loader: ComponentLoader;

  constructor(loader: ComponentLoader) {
    this.#loader = loader;
  }

  async open(entry: ComponentEntry, wasi: AgentWasi): Promise<AgentInstance> {
    const journal = new HostJournal();
    let memory = new LinearMemory();
    const executor = new InlineExecutor(() => {
      memory = new LinearMemory();
      return this.#loader.instantiate(entry, { ...journal.hooks, ...wasi }, undefined, memory);
    });
    await executor.warm();
    return {
      run: async (steps: readonly Step[]): Promise<StepResult[]> => {
        if (!executor.ready) throw new InstanceLost('it trapped before');
        return runSteps((path, args) => executor.callSync(path, args), journal, steps);
      },
      memoryBytes: () => (executor.ready ? memory.bytes : 0),
      dispose: () => void executor.dispose(),
    };
  }

  async warm(): Promise<void> {}

  async close(): Promise<void> {}
}
