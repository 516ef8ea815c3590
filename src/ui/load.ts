import type { Client, Job } from '../client/contract.js';
import { type StatusSnapshot, statusSnapshot } from '../client/status.js';

export interface Loaded {
  readonly snapshot: StatusSnapshot;
  readonly jobNodes: Record<string, string>;
}

/**
 * The snapshot (with tasks) plus the node of each recent job's latest execution. Nodes are asked
 * only for jobs that changed since the last load (`known`: job id → [ModifyTime, node]).
 */
export async function loadStatus(client: Client, source: string, known: Map<string, readonly [number, string]>): Promise<Loaded> {
  const snapshot = await statusSnapshot(client, { source, tasks: true });
  const jobNodes: Record<string, string> = {};
  await Promise.all(snapshot.jobs.map(async (j) => {
    const node = await nodeOf(client, j, known);
    if (node) jobNodes[j.ID] = node;
  }));
  for (const id of [...known.keys()]) if (!(id in jobNodes)) known.delete(id);
  return { snapshot, jobNodes };
}

async function nodeOf(client: Client, job: Job, known: Map<string, readonly [number, string]>): Promise<string | undefined> {
  const cached = known.get(job.ID);
  if (cached && cached[0] === job.ModifyTime) return cached[1];
  try {
    const execs = await client.jobExecutions(job.ID);
    const latest = [...execs].sort((a, b) => b.CreateTime - a.CreateTime)[0];
    const node = latest?.NodeID ?? '';
    known.set(job.ID, [job.ModifyTime, node]);
    return node || undefined;
  } catch {
    return cached?.[1];
  }
}
