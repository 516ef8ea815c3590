import type { NodeSnapshot } from './compute.js';
import type { Job, Task } from './model.js';
import { constraintRequirement, describeRequirement, matchOne, type Requirement } from './selector.js';
import { parseBytes, parseCpu } from './submit.js';

/** Why a node cannot take an execution now: `busy` passes with time, `never` does not. */
export interface Rejection {
  readonly nodeId: string;
  readonly kind: 'busy' | 'never';
  readonly reason: string;
}

export type Placement = { readonly node: NodeSnapshot } | { readonly rejections: readonly Rejection[] };

/** Picks the node for a job's next execution: engine, constraints, resources, a free slot; least loaded wins. */
export function place(job: Job, nodes: readonly NodeSnapshot[]): Placement {
  const rejections: Rejection[] = [];
  const fits: NodeSnapshot[] = [];
  for (const node of nodes) {
    const r = rejectionOf(job, node);
    if (r) rejections.push(r);
    else fits.push(node);
  }
  const best = fits.sort((a, b) => a.running / a.slots - b.running / b.slots)[0];
  return best ? { node: best } : { rejections };
}

export function rejectionOf(job: Job, node: NodeSnapshot): Rejection | undefined {
  const task = job.Tasks[0] as Task;
  const never = (reason: string): Rejection => ({ nodeId: node.id, kind: 'never', reason });
  const busy = (reason: string): Rejection => ({ nodeId: node.id, kind: 'busy', reason });
  // What a node can never do is said first: a node that is disconnected now (a missed heartbeat
  // under load) and lacks the label still lacks it when it is back.
  if (!node.engines.includes(task.Engine.Type)) return never(`it does not run the ${task.Engine.Type} engine (it runs ${node.engines.join(', ')})`);
  const unmet = requirements(job).filter((r) => !matchOne(node.labels, r));
  if (unmet.length > 0) return never(`its labels do not match ${unmet.map(describeRequirement).join(', ')}`);
  const cpu = parseCpu(task.Resources?.CPU) ?? 0;
  const memory = parseBytes(task.Resources?.Memory) ?? 0;
  if (cpu > node.max.CPU) return never(`the job asks for ${cpu} CPU and the node has ${node.max.CPU}`);
  if (memory > node.max.Memory) return never(`the job asks for ${mb(memory)} of memory and the node has ${mb(node.max.Memory)}`);
  if (!node.connected) return busy('the node is disconnected');
  if (!hasRoom(node)) return busy(`all ${node.slots} of its execution slots are in use`);
  if (cpu > node.available.CPU) return busy(`${cpu} CPU asked, ${node.available.CPU} free now`);
  if (memory > node.available.Memory) return busy(`${mb(memory)} of memory asked, ${mb(node.available.Memory)} free now`);
  return undefined;
}

/** Whether the node takes another execution now. */
export function hasRoom(node: NodeSnapshot): boolean {
  return node.running < node.slots;
}

/** The nodes as they are once `job` has one more execution on `nodeId` (several placed in one turn). */
export function withPlaced(nodes: readonly NodeSnapshot[], nodeId: string, job: Job): NodeSnapshot[] {
  const task = job.Tasks[0] as Task;
  const cpu = parseCpu(task.Resources?.CPU) ?? 0;
  const memory = parseBytes(task.Resources?.Memory) ?? 0;
  return nodes.map((n) => (n.id !== nodeId ? n : {
    ...n, running: n.running + 1, available: { ...n.available, CPU: Math.max(0, n.available.CPU - cpu), Memory: Math.max(0, n.available.Memory - memory) },
  }));
}

function requirements(job: Job): Requirement[] {
  return job.Constraints.map((c, i) => constraintRequirement(c, `Constraints[${i}]`)).filter((r): r is Requirement => typeof r !== 'string');
}

const mb = (bytes: number): string => `${Math.round(bytes / 1_048_576)} MiB`;

/** Orders the queue: higher Priority first, then older first. */
export function queueOrder(a: Job, b: Job): number {
  return b.Priority - a.Priority || a.CreateTime - b.CreateTime || (a.ID < b.ID ? -1 : 1);
}
