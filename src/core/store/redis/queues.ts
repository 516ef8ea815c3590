import { createRequire } from 'node:module';
import type { Queue as QueueT, Worker as WorkerT } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ExecutionOutcome } from '../../jobs/compute.js';
import type { ExecutionQueues, ExecutionReport, ExecutionTask, PlacedState, QueueConsumer } from '../ports/queues.js';

// BullMQ and ioredis (~0.3 s to load) are loaded by the first queue a node opens: the adapter
// itself is imported by every command, most of which never touch a Redis store.
const load = createRequire(import.meta.url);
const bullmq = (): typeof import('bullmq') => load('bullmq') as typeof import('bullmq');
const ioredis = (): typeof import('ioredis') => load('ioredis') as typeof import('ioredis');

/** BullMQ keys share the `{bull}` hash tag (one slot, as every taho family's). */
const PREFIX = 'taho:{bull}';
/**
 * Reports travel on a plain stream, not a queue: one XADD from the node, one blocking read by the
 * orchestrator (a queue cost three scripts and a wake-up more per execution). A report nobody
 * read (no orchestrator, or one that died) is not needed: the next orchestrator asks each
 * execution's queue how it ended (`placed`), where the node's answer is kept.
 */
const REPORTS = 'taho:{bull}:reports';
/** Reports kept on the stream: an orchestrator reads them within moments. */
const KEEP_REPORTS = 10_000;
const nodeQueue = (nodeId: string): string => `exec-${nodeId}`;
/** Ended tasks are kept this long so an orchestrator that took over can read how they ended. */
const KEEP = { age: 3600, count: 100_000 } as const;
/** How long closing waits for Redis: with Redis down, BullMQ's commands would wait for it forever. */
const CLOSE_MS = 1000;

/** Closes gracefully while Redis answers, else drops the connections (nothing is lost: the queues are Redis's). */
async function shut(c: QueueT | WorkerT, force: boolean): Promise<void> {
  const closed = c instanceof bullmq().Worker ? c.close(force) : c.close();
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), CLOSE_MS).unref());
  if ((await Promise.race([closed.then(() => 'closed' as const, () => 'late' as const), timer])) === 'late') await c.disconnect().catch(() => undefined);
}

/**
 * The execution queues on BullMQ, over a connection of their own (BullMQ's blocking reads must
 * wait as long as they need: no per-request retry limit), opened on first use.
 */
export class RedisExecutionQueues implements ExecutionQueues {
  readonly #url: string;
  readonly #queues = new Map<string, QueueT>();
  #redis: Redis | undefined;

  constructor(url: string) {
    this.#url = url;
  }

  get #connection(): Redis {
    this.#redis ??= new (ioredis().Redis)(this.#url, { maxRetriesPerRequest: null });
    return this.#redis;
  }

  #queue(name: string): QueueT {
    let q = this.#queues.get(name);
    if (!q) {
      q = new (bullmq().Queue)(name, { connection: this.#connection, prefix: PREFIX });
      q.on('error', () => undefined); // a call on it rejects with the fault; the event would be unhandled
      this.#queues.set(name, q);
    }
    return q;
  }

  async place(nodeId: string, task: ExecutionTask): Promise<void> {
    await this.#queue(nodeQueue(nodeId)).add('run', task, { jobId: task.executionId, removeOnComplete: KEEP, removeOnFail: KEEP });
  }

  async placed(nodeId: string, executionId: string): Promise<PlacedState> {
    const job = await bullmq().Job.fromId<ExecutionTask, ExecutionOutcome | null>(this.#queue(nodeQueue(nodeId)), executionId);
    if (!job) return { state: 'gone' };
    const state = await job.getState();
    if (state === 'completed') return { state: 'ended', outcome: job.returnvalue ?? null };
    if (state === 'failed' || state === 'unknown') return { state: 'gone' };
    return { state: 'pending' };
  }

  async forget(nodeId: string, executionId: string): Promise<void> {
    await this.#queue(nodeQueue(nodeId)).remove(executionId).catch(() => undefined);
  }

  consume(nodeId: string, concurrency: number, run: (task: ExecutionTask) => Promise<ExecutionOutcome | null>, log?: (line: string) => void): QueueConsumer {
    const worker = new (bullmq().Worker)<ExecutionTask>(nodeQueue(nodeId), async (job) => run(job.data), {
      connection: this.#connection, prefix: PREFIX, concurrency: Math.max(1, concurrency),
      // Only this node consumes its queue: a task it held when it died is the orchestrator's to place again.
      maxStalledCount: 0,
    });
    worker.on('error', (err) => log?.(`jobs: the queue of node ${nodeId}: ${err.message}`));
    // Not waiting for the tasks it runs: their runner stops them (a node going away reports nothing).
    return { close: () => shut(worker, true) };
  }

  async report(report: ExecutionReport): Promise<void> {
    await this.#connection.xadd(REPORTS, 'MAXLEN', '~', KEEP_REPORTS, '*', 'r', JSON.stringify(report));
  }

  consumeReports(on: (report: ExecutionReport) => void, log?: (line: string) => void): QueueConsumer & { ready: Promise<void> } {
    const reader = this.#connection.duplicate();
    reader.on('error', () => undefined); // each failed read is retried below
    let open = true;
    // From the stream's last entry now, so `ready` means every later report is heard.
    const ready = reader.xrevrange(REPORTS, '+', '-', 'COUNT', 1).then((last) => last[0]?.[0] ?? '0-0');
    const done = (async () => {
      let after = await ready.catch(() => '$');
      while (open) {
        try {
          const got = await reader.xread('COUNT', 256, 'BLOCK', 0, 'STREAMS', REPORTS, after);
          for (const [id, fields] of got?.[0]?.[1] ?? []) {
            after = id;
            on(JSON.parse(fields[1] ?? 'null') as ExecutionReport);
          }
        } catch (err) {
          if (!open) break;
          log?.(`jobs: the reports stream: ${err instanceof Error ? err.message : String(err)}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    })();
    return {
      ready: ready.then(() => undefined, () => undefined),
      close: async () => {
        open = false;
        reader.disconnect();
        await done;
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => shut(q, false)));
    this.#queues.clear();
    this.#redis?.disconnect();
    this.#redis = undefined;
  }
}
