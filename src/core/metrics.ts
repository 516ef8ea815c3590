import type { Runtime } from './runtime.js';
import { AGENT_STATES } from './town/model.js';

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  readonly samples: readonly (readonly [labels: string, value: number])[];
}

/**
 * Prometheus text (version 0.0.4): Tinytown's metric names first, in its order, then taho's own
 * for services, durable agents and jobs.
 */
export async function prometheus(runtime: Runtime): Promise<string> {
  const town = runtime.town();
  const status = await town.status();
  const tasks = await town.taskCounts();
  // One timed store read, whose answer is also a metric.
  const { backlog, ms } = await town.timedBacklog();
  const storeSeconds = ms / 1000;
  const jobCounts = await runtime.stores().jobs.jobCounts();
  const storeBytes = await runtime.stores().usage();
  const threads = runtime.workers.threads();
  const metrics: Metric[] = [
    { name: 'tinytown_up', help: 'Whether the server is up', type: 'gauge', samples: [['', 1]] },
    { name: 'tinytown_ready', help: 'Whether the server is ready', type: 'gauge', samples: [['', 1]] },
    { name: 'tinytown_agents_total', help: 'Agents by state', type: 'gauge', samples: AGENT_STATES.map((s) => [`state="${s.toLowerCase()}"`, status.filter((a) => a.state === s).length]) },
    { name: 'tinytown_tasks_pending', help: 'Tasks not started', type: 'gauge', samples: [['', (tasks.pending ?? 0) + (tasks.assigned ?? 0)]] },
    { name: 'tinytown_tasks_completed_total', help: 'Tasks completed', type: 'counter', samples: [['', tasks.completed ?? 0]] },
    { name: 'tinytown_missions_active', help: 'Active missions (taho has none)', type: 'gauge', samples: [['', 0]] },
    { name: 'tinytown_redis_latency_seconds', help: 'Latency of one store read (SQLite here)', type: 'gauge', samples: [['', storeSeconds]] },
    { name: 'tinytown_backlog_tasks', help: 'Tasks in the backlog', type: 'gauge', samples: [['', backlog.length]] },
    { name: 'tinytown_tasks_assigned_pending', help: 'Tasks waiting in inboxes', type: 'gauge', samples: [['', status.reduce((n, a) => n + a.inbox_len, 0)]] },
    { name: 'tinytown_urgent_messages', help: 'Urgent inbox messages', type: 'gauge', samples: [['', status.reduce((n, a) => n + a.urgent_len, 0)]] },
    { name: 'taho_services_loaded', help: 'Services loaded from the repositories', type: 'gauge', samples: [['', runtime.registry.list().length]] },
    { name: 'taho_durable_agents_active', help: 'Durable agents in memory', type: 'gauge', samples: [['', runtime.agents().activeCount]] },
    { name: 'taho_durable_agents_memory_bytes', help: 'Linear memory the agent instances in memory hold ([agents] max_memory bounds it)', type: 'gauge', samples: [['', runtime.agents().memoryBytes]] },
    { name: 'taho_store_bytes', help: 'Bytes the store holds (SQLite: the file with its WAL; Redis: the dataset in memory)', type: 'gauge', samples: [[`kind="${runtime.stores().kind}"`, storeBytes]] },
    { name: 'taho_job_outputs_bytes', help: 'Bytes of job outputs in the data directory ([jobs] keep_outputs_for and retain_for bound them)', type: 'gauge', samples: [['', runtime.retention().outputsBytes()]] },
    { name: 'taho_jobs', help: 'Jobs by state', type: 'gauge', samples: ['Pending', 'Queued', 'Running', 'Completed', 'Failed', 'Stopped'].map((s) => [`state="${s}"`, jobCounts[s] ?? 0]) },
    {
      name: 'taho_worker_threads', help: 'Threads of the runtime\'s worker pool by holder: a family, idle (a job\'s thread kept for the next run) or spare', type: 'gauge',
      samples: ['service', 'agent', 'job', 'idle', 'spare'].map((h) => [`holder="${h}"`, threads.filter((t) => (t.state === 'held' ? t.family : t.state) === h).length]),
    },
  ];
  return `${metrics.map((m) => [
    `# HELP ${m.name} ${m.help}`,
    `# TYPE ${m.name} ${m.type}`,
    ...m.samples.map(([labels, v]) => `${m.name}${labels ? `{${labels}}` : ''} ${m.name.endsWith('_seconds') ? v.toFixed(6) : v}`),
  ].join('\n')).join('\n')}\n`;
}
