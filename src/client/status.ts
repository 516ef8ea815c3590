import type { AgentInfo, Client, Job, ServiceInfo, TownStatus, TownTask } from './contract.js';

/** Everything `tt status` shows, from one client: the same snapshot in-process or over HTTP. */
export interface StatusSnapshot {
  /** Where the data came from: a server's URL, or "in-process" (no server runs). */
  readonly source: string;
  readonly at: string;
  readonly town: TownStatus;
  readonly tasks?: readonly TownTask[] | undefined;
  /** The first page of durable agents (the oldest). */
  readonly durableAgents: readonly AgentInfo[];
  /** The most recent jobs, newest first. */
  readonly jobs: readonly Job[];
  readonly jobCounts: Readonly<Record<string, number>>;
  readonly services: readonly ServiceInfo[];
}

const RECENT_JOBS = 10;
/** A bound, so a town with years of tasks still answers at once: the oldest this many. */
const STATUS_TASKS = 1000;

export async function statusSnapshot(client: Client, options: { source: string; tasks: boolean }): Promise<StatusSnapshot> {
  const [town, tasks, durableAgents, jobs, jobCounts, services] = await Promise.all([
    client.townStatus(),
    options.tasks ? client.tasks({ limit: STATUS_TASKS }).then((p) => p.tasks) : Promise.resolve(undefined),
    client.agents(),
    client.jobs({ orderBy: 'created_at', reverse: true, limit: RECENT_JOBS }),
    client.jobCounts(),
    client.services(),
  ]);
  return {
    source: options.source, at: new Date().toISOString(), town, ...(tasks ? { tasks } : {}),
    durableAgents: durableAgents.items, jobs: jobs.Items, jobCounts, services,
  };
}
