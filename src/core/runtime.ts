import { Retention } from './retention.js';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { TahoConfig } from './config/schema.js';
import { ComponentLoader } from './components/loader.js';
import { ComponentRegistry, type ReloadReport } from './components/registry.js';
import { ServiceManager, type ServiceDefaults } from './services/manager.js';
import { removeUpload, storeUpload, uploadsRepository } from './components/upload.js';
import { ComponentSync } from './cluster/components.js';
import { TahoError } from './errors.js';
import { componentByPrefix } from './components/refs.js';
import type { ComponentEntry } from './components/registry.js';
import type { Isolation } from './services/executor.js';
import { AgentManager } from './agents/manager.js';
import { InlineAgentHost } from './agents/inline-host.js';
import { AgentWorkerHost } from './agents/worker-host.js';
import { WorkerPool } from './workers/pool.js';
import { workerScript } from './components/worker-instance.js';
import { openStores } from './store/open.js';
import type { EventKind, EventLog, Stores } from './store/ports/index.js';
import { holdLease, type HeldLease } from './store/lease-keeper.js';
import { durationMs, sizeBytes } from './config/schema.js';
import { LocalNode } from './jobs/local-node.js';
import type { NodeSnapshot } from './jobs/compute.js';
import { Orchestrator } from './jobs/orchestrator.js';
import { nodeId } from './jobs/node-id.js';
import { ClusterCompute } from './jobs/cluster/remote.js';
import { ComputeWorker } from './jobs/cluster/worker.js';
import { Town } from './town/town.js';
import type { InterruptedRound } from './town/interrupted.js';
import { nextEvent } from './events/bus.js';
import { InvocationStats } from './stats/invocations.js';
import { packageRoot } from '../shared/paths.js';
import { ClusterMember } from './cluster/member.js';
import { FencedAgentStore } from './cluster/fenced-agents.js';
import { shardOf } from './cluster/shards.js';
import { clusterPlacement, componentCli, followTownWork } from './cluster/town.js';

export interface RuntimeOptions {
  /** Told when a component is transpiled (a cache miss), so the user knows why a call was slow. */
  readonly onTranspile?: ((label: string, ms: number) => void) | undefined;
  /** Overrides `[services] isolation` and `[agents] isolation`: a one-shot CLI call runs inline, where Ctrl-C stops it. */
  readonly isolation?: Isolation | undefined;
  /**
   * A server: components that a reload or an upload brings are started at once (transpiled,
   * compiled, their threads up) so their first call costs a call, not a start.
   */
  readonly prepareLoaded?: boolean | undefined;
}

/** The runtime core: everything the CLI, the server and the dashboard drive. */
export interface Runtime {
  /** The configuration it runs with: a reload may change its live keys (see config/changes.ts). */
  readonly config: TahoConfig;
  readonly registry: ComponentRegistry;
  readonly services: ServiceManager;
  /** The worker threads services, agents and job runs take theirs from (isolation = worker). */
  readonly workers: WorkerPool;
  /** Durable agents; their store is opened on first use, so commands that never touch agents never open it. */
  readonly agents: () => AgentManager;
  /** Jobs (Bacalhau model); reading them needs no scheduling, so the orchestrator starts only on `startJobs`. */
  readonly jobs: () => Orchestrator;
  /** This process's own compute node (in a cluster, `jobs().nodes()` is every node as the orchestrator sees them). */
  computeNode(): NodeSnapshot;
  /** Takes the data directory's jobs lease, recovers what a killed process left, and starts running jobs. */
  startJobs(): ReturnType<Orchestrator['start']>;
  /** When no live process runs this data directory's jobs: settle what a dead one left Running. */
  settleJobs(): Promise<void>;
  /** Whether this process runs the jobs or the town now (it holds the lease). */
  holds(name: 'jobs' | 'town'): boolean;
  /** This node's membership of a cluster, once it joined (a server on a store shared by several). */
  readonly cluster: () => ClusterMember | undefined;
  /**
   * Joins the cluster when the store is shared by several nodes (it has a cluster port): registers
   * this node as reachable at `url`, takes its share of the agents' shards and keeps beating.
   * Resolves undefined on a store one process serves. Call before the first agent call.
   */
  joinCluster(self: { url: string; version: string; log?: (line: string) => void }): Promise<ClusterMember | undefined>;
  /** Every port of the store (opened on first use). */
  readonly stores: () => Stores;
  /** Events trimmed and old outputs deleted by the `[events]` and `[jobs]` keep settings (a server starts it). */
  readonly retention: () => Retention;
  /** The one event log of every family (opened on first use). */
  readonly events: () => EventLog;
  /** Invocations of services and durable agents over the last minute (counts, errors, latency). */
  readonly stats: InvocationStats;
  /** The town (Tinytown model); its rounds run only after `startTown`. */
  readonly town: () => Town;
  /**
   * Takes the data directory's town lease, settles the rounds a server that died left, and starts
   * dispatching rounds. A cluster node calls `startTownNode` first: the lease then only adds the
   * town-wide duties (settling the agents of nodes that died).
   */
  startTown(): Promise<InterruptedRound[]>;
  /** A cluster node: settles the rounds it ran before it restarted and starts running its own agents' rounds. */
  startTownNode(): Promise<InterruptedRound[]>;
  /** What the first scan of the repositories found wrong (missing repository, broken component). */
  readonly startup: ReloadReport;
  reload(): ReloadReport;
  /**
   * A server's start-up work, in the background: the transpiler loaded and run once (its first
   * run costs 0.3–0.5 s) and a spare worker thread booted ahead, so a never-seen component's first
   * call does not pay for either.
   */
  warmUp(): Promise<void>;
  /** Takes the live keys of a re-read configuration (`applyLive` chose them); the next reload scans its repositories. */
  reconfigure(next: TahoConfig): void;
  /** A component by UUID, `domain/service` or `domain.service`, or a TAHO_COMPONENT_NOT_FOUND naming what exists. */
  component(ref: string): ComponentEntry;
  /** Validates and stores an uploaded component, then loads it (in a cluster: on every node). */
  addComponent(name: string, bytes: Uint8Array): Promise<ComponentEntry>;
  close(): Promise<void>;
}

export function examplesRepository(): string {
  return join(packageRoot(), 'examples');
}

export function repositoriesOf(config: TahoConfig): string[] {
  return [...(config.examples ? [examplesRepository()] : []), ...config.repositories.map((r) => r.path)];
}

/**
 * Town agents made of components: `component:<component>[#<function>]` (default `run-task`).
 * Each round invokes the durable agent named after the town agent with the task text; the
 * task's id is the idempotency key, so a round re-run after a crash never runs twice.
 */
function componentAgents(runtime: () => Runtime): NonNullable<ConstructorParameters<typeof Town>[0]['components']> {
  const parse = componentCli;
  return {
    check(cli) {
      const { component, fn } = parse(cli);
      const entry = runtime().component(component);
      if (!entry.signature.functions.some((f) => f.name === fn && f.iface === undefined)) {
        throw new TahoError('TAHO_BAD_ARGUMENTS', `component ${component} has no function ${fn} for town rounds`, {
          hint: 'A town component exports `run-task: func(task: string) -> result<string, string>` (or name another with component:<c>#<fn>).',
        });
      }
    },
    async round(cli, agentName, taskId, prompt) {
      const { component, fn } = parse(cli);
      const agents = runtime().agents();
      try {
        const r = await agents.invoke(agents.component(component).id, agentName, fn, [prompt], `task-${taskId}`);
        return { exitCode: 0, output: typeof r.result === 'string' ? r.result : JSON.stringify(r.result) };
      } catch (err) {
        if (err instanceof TahoError && err.code === 'TAHO_COMPONENT_ERROR') {
          const e = (err.details as { error?: unknown } | undefined)?.error;
          return { exitCode: 1, output: typeof e === 'string' ? e : JSON.stringify(e) };
        }
        return { exitCode: err instanceof TahoError && err.code === 'TAHO_INVOKE_TIMEOUT' ? 124 : 134, output: err instanceof Error ? err.message : String(err) };
      }
    },
  };
}

export function createRuntime(initial: TahoConfig, options: RuntimeOptions = {}): Runtime {
  // Live keys change through `reconfigure`; everything else reads the config it started with.
  let current = initial;
  const config = initial;
  let opened: Stores | undefined;
  const keepBelowSnapshot = config.agents.keep_below_snapshot === 'all' ? undefined : config.agents.keep_below_snapshot;
  const stores = (): Stores => (opened ??= openStores({
    url: config.store.url, dataDir: config.data_dir,
    sync: config.store.durability === 'fsync' ? 'full' : config.agents.sync,
    durability: config.store.durability, replicaTimeoutMs: config.store.replica_timeout_ms, keepBelowSnapshot,
  }));
  const events = (): EventLog => stores().events;
  let retained: Retention | undefined;
  const retention = (): Retention => (retained ??= new Retention(stores, {
    eventsKeep: config.events.keep,
    eventsKeepForMs: durationMs(config.events.keep_for),
    outputsKeepForMs: durationMs(config.jobs.keep_outputs_for),
  }, config.data_dir));
  // Events that belong to no family write (a service reloaded, a call refused before it ran).
  const publish = (kind: EventKind, type: string, subject: string, data: Readonly<Record<string, unknown>> = {}): void => {
    events().append([{ kind, type, subject, data }]).catch(() => undefined);
  };
  const registry = new ComponentRegistry(() => repositoriesOf(current), [uploadsRepository(config.data_dir)]);
  const loader = new ComponentLoader({ cacheDir: join(config.data_dir, 'cache', 'components'), onTranspile: options.onTranspile });
  const stats = new InvocationStats();
  // Objects the managers keep by reference, so a live limit reaches the next instance they start.
  const serviceDefaults: { -readonly [K in keyof ServiceDefaults]: ServiceDefaults[K] } = {
    isolation: options.isolation ?? config.services.isolation,
    workers: config.services.workers,
    invokeTimeoutMs: config.limits.invoke_timeout_ms,
    memoryLimitBytes: config.limits.memory_limit_mb * 1024 * 1024,
    drainMs: config.services.drain_ms,
    onChange: (service, change, version) => publish('service', change, service, { version }),
    timer: stats,
  };
  // A spare thread warms the component host code every family's instances need.
  const workers = new WorkerPool({ warm: [workerScript(import.meta.url, 'components/worker-instance.js')] });
  const services = new ServiceManager(registry, loader, serviceDefaults, workers);
  const startup = registry.reload();
  /** Components a reload (by key, `domain.service`) or an upload brought: started now when this is a server. */
  const prepare = (changed: readonly (string | ComponentEntry)[]): void => {
    if (!options.prepareLoaded) return;
    const byKey = new Map(registry.list().map((e) => [e.key, e]));
    services.prepare(changed.flatMap((c) => (typeof c === 'string' ? byKey.get(c) ?? [] : [c])));
  };
  let agents: AgentManager | undefined;
  let jobs: Orchestrator | undefined;
  let jobsLease: HeldLease | undefined;
  let jobsSettled = false;
  let town: Town | undefined;
  let orchestratorOptions: ConstructorParameters<typeof Orchestrator>[2] & { defaultTimeoutS: number } | undefined;
  let agentOptions: ConstructorParameters<typeof AgentManager>[3] & { invokeTimeoutMs: number } | undefined;
  let townLease: HeldLease | undefined;
  let member: ClusterMember | undefined;
  let townLog: ((line: string) => void) | undefined;
  const townFollow = new AbortController();
  const theTown = (): Town => {
    if (town) return town;
    town = new Town({
      store: stores().town,
      dataDir: config.data_dir,
      fence: () => townLease?.fence(),
      presets: current.town.presets,
      defaultCli: current.town.default_cli,
      heartbeatMs: config.town.heartbeat_ms,
      staleAfterMs: config.town.stale_after_ms,
      killGraceMs: config.town.kill_grace_ms,
      interruptedRounds: config.town.interrupted_rounds,
      placement: clusterPlacement(() => member, () => townLease?.held ?? false, (ref) => runtime.component(ref).id),
      nodeLost: config.town.node_lost,
      onNodeLost: (a) => townLog?.(`town: node ${a.node} is gone: agent ${a.name} ${a.outcome === 'stopped' ? 'stopped' : 'runs on its shard\'s new owner'}, ${a.tasks.length} task(s) ${a.outcome === 'stopped' ? 'back to the backlog' : 'to run again'}`),
      components: componentAgents(() => runtime),
      onOutput: (agent, round) => events().notify({ kind: 'log', type: 'grew', subject: `agent/${agent}`, data: { agent, round } }),
    });
    return town;
  };
  let local: LocalNode | undefined;
  const localNode = (): LocalNode => {
    if (!local) {
      const examplesJobs = join(examplesRepository(), 'jobs');
      local = new LocalNode({
        id: nodeId(config.data_dir),
        labels: config.jobs.labels,
        slots: config.jobs.slots || undefined,
        allowedPaths: [...config.jobs.allowed_paths, ...(config.examples ? [examplesJobs] : [])],
        allowExec: config.jobs.allow_exec,
        memoryLimitMb: config.limits.memory_limit_mb,
        pool: workers,
        loader,
        onOutput: (jobId, executionId) => events().notify({ kind: 'log', type: 'grew', subject: `job/${jobId}/${executionId}`, data: { job: jobId, execution: executionId } }),
      });
    }
    return local;
  };
  // A cluster node runs what is placed on it from its queue; the orchestrator places through the queues.
  let computeWorker: ComputeWorker | undefined;
  const clusterCompute = (): ClusterCompute | undefined => {
    const queues = stores().queues;
    if (!member || member.url === '' || !queues) return undefined;
    return new ClusterCompute({ queues, member, engines: () => localNode().snapshot().engines });
  };
  const orchestrator = (): Orchestrator => {
    if (!jobs) {
      jobs = new Orchestrator(stores().jobs, [localNode()], orchestratorOptions ??= {
        fence: () => jobsLease?.fence(),
        dataDir: config.data_dir,
        defaultTimeoutS: config.jobs.default_timeout_s,
        retainForMs: durationMs(config.jobs.retain_for),
        maxAttempts: config.jobs.max_attempts,
        // Log follows ride the event stream: the job's own events and its "log grew" ones.
        nextChange: (jobId, signal) => nextEvent(events(), (e) => (e.kind === 'job' && e.subject === jobId) || (e.kind === 'log' && e.subject.startsWith(`job/${jobId}/`)), signal),
      }, clusterCompute());
    }
    return jobs;
  };
  const reloadHere = (): ReloadReport => {
    const report = registry.reload();
    services.prune();
    prepare([...report.added, ...report.updated]);
    return report;
  };
  let sync: ComponentSync | undefined;
  let joining: Promise<ClusterMember | undefined> | undefined;
  const becomeMember = async (self: { url: string; version: string; log?: (line: string) => void }): Promise<ClusterMember | undefined> => {
    const shared = stores().cluster;
    if (!shared) return undefined;
    const compute = localNode().snapshot();
    const inShards = (shards: ReadonlySet<number>) => (componentId: string, name: string) => shards.has(shardOf(componentId, name));
    const joined = new ClusterMember({
      store: shared,
      info: {
        // A one-shot command is a member of its own, never mistaken for the server of its data directory.
        id: self.url === '' ? `cli-${randomUUID()}` : nodeId(config.data_dir),
        url: self.url === '' ? '' : config.cluster.advertise_url ?? self.url,
        labels: config.jobs.labels,
        capacity: { agents: config.agents.max_active, slots: compute?.slots ?? config.jobs.slots, resources: compute?.max },
        version: self.version,
        startedAt: new Date().toISOString(),
      },
      leaseMs: config.cluster.lease_ms,
      running: () => localNode().snapshot().running,
      onLost: async (shards) => agents?.release(inShards(shards), false),
      onHandover: async (shards) => agents?.release(inShards(shards), true),
      log: self.log,
    });
    await joined.start();
    member = joined;
    townLog = self.log;
    if (self.url !== '') {
      // A server node serves every component uploaded to any node, and rescans when any node reloads.
      sync = new ComponentSync({
        store: shared, events: events(), dataDir: config.data_dir, nodeId: joined.id, log: self.log,
        onArrived: () => void reloadHere(),
        onReload: () => void reloadHere(),
      });
      await sync.start();
      const queues = stores().queues;
      if (!queues) throw new TahoError('TAHO_INTERNAL', 'a cluster store without execution queues');
      computeWorker = new ComputeWorker({
        queues, node: localNode(), slots: compute.slots, store: stores().jobs, events: events(), dataDir: config.data_dir, log: self.log,
      });
      computeWorker.start();
      // An orchestrator built before this node joined placed only here: the next one places on every node.
      if (!jobsLease) jobs = undefined;
    }
    return member;
  };
  // A cluster node holds the jobs' and the town's leases under its id, for the cluster's lease time.
  const leaseScope = () => (member && member.url !== '' ? `the cluster at ${stores().location}` : config.data_dir);
  const leaseOptions = () => (member && member.url !== '' ? { holder: member.id, ttlMs: config.cluster.lease_ms } : {});
  const runtime: Runtime = {
    get config() {
      return current;
    },
    registry, services, workers, startup, stats,
    jobs: orchestrator,
    computeNode: () => localNode().snapshot(),
    stores,
    retention,
    events,
    town: theTown,
    async startTownNode() {
      const t = theTown();
      const settled = await t.settleInterrupted();
      t.start();
      if (member) followTownWork(events(), member.id, () => t.dispatcher.wake(), townFollow.signal);
      return settled;
    },
    async startTown() {
      const t = theTown();
      const node = member !== undefined && member.url !== '';
      // Lost (another process took over while this one stalled): stop dispatching; a cluster node
      // may take the lease again later and start afresh. A cluster node keeps running its own
      // agents' rounds: only the town-wide duties go with the lease.
      townLease ??= await holdLease(stores().leases, 'town', leaseScope(), () => {
        townLease = undefined;
        if (!node) t.dispatcher.stop();
      }, leaseOptions());
      if (node) {
        t.dispatcher.wake();
        return [];
      }
      const settled = await t.settleInterrupted();
      t.start();
      return settled;
    },
    async settleJobs() {
      // Once per process: a dashboard refreshing its snapshot must not take the lease each time.
      if (jobsLease || jobsSettled) return; // this process runs them, or settled them already
      let lease: HeldLease;
      try {
        lease = await holdLease(stores().leases, 'jobs', config.data_dir);
      } catch {
        return; // a live process runs them
      }
      jobsLease = lease;
      try {
        await orchestrator().settle();
        jobsSettled = true;
      } finally {
        jobsLease = undefined;
        await lease.release();
      }
    },
    async startJobs() {
      const o = orchestrator();
      jobsLease ??= await holdLease(stores().leases, 'jobs', leaseScope(), () => {
        jobsLease = undefined;
        if (jobs === o) jobs = undefined; // a later start builds a new orchestrator from the store
        void o.close();
      }, leaseOptions());
      return o.start();
    },
    agents() {
      if (!agents) {
        const isolation = options.isolation ?? config.agents.isolation;
        const host = isolation === 'worker'
          ? new AgentWorkerHost(loader, workers, { threads: config.agents.workers, memoryLimitBytes: config.limits.memory_limit_mb * 1024 * 1024 })
          : new InlineAgentHost(loader);
        // On a shared store, agents write only with their shard's fence: a process that is not a
        // member (a one-shot CLI) or no longer holds the shard is refused before it writes.
        const shared = stores().cluster;
        const agentStore = shared ? new FencedAgentStore(stores().agents, {
          tokenOf: (shard) => member?.tokenOf(shard),
          ownerOf: (shard) => member?.owners().get(shard)?.node,
          // A process that did not join (a one-shot command) joins without an address: it holds
          // shards only while no server node is alive, and hands them over when it closes.
          join: async () => {
            if (!member) await runtime.joinCluster({ url: '', version: 'cli' });
          },
        }) : stores().agents;
        agents = new AgentManager(registry, host, agentStore, agentOptions = {
          maxActive: config.agents.max_active,
          maxMemoryBytes: sizeBytes(config.agents.max_memory),
          snapshotEvery: config.agents.snapshot_every,
          invokeTimeoutMs: config.limits.invoke_timeout_ms,
          onChange: (subject, change, data) => publish('agent', change, subject, data),
          onCall: (ms, ok) => stats.record(ms, ok),
        });
      }
      return agents;
    },
    cluster: () => member,
    holds: (name) => (name === 'jobs' ? jobsLease : townLease)?.held ?? false,
    joinCluster(self) {
      joining ??= becomeMember(self).catch((err: unknown) => {
        joining = undefined; // the store was down: the next call tries again
        throw err;
      });
      return joining;
    },
    reconfigure(next) {
      current = next;
      serviceDefaults.invokeTimeoutMs = next.limits.invoke_timeout_ms;
      if (agentOptions) agentOptions.invokeTimeoutMs = next.limits.invoke_timeout_ms;
      if (orchestratorOptions) orchestratorOptions.defaultTimeoutS = next.jobs.default_timeout_s;
      town?.setPresets(next.town.presets, next.town.default_cli);
    },
    reload() {
      const report = reloadHere();
      // The other nodes rescan too; a failure to tell them does not undo this node's reload.
      sync?.reloaded().catch(() => undefined);
      return report;
    },
    async warmUp() {
      workers.prime();
      const smallest = registry.list().reduce<ComponentEntry | undefined>((a, e) => (!a || e.size < a.size ? e : a), undefined);
      if (smallest) await loader.warmUp(smallest);
    },
    component(ref) {
      const entry = registry.byId(ref) ?? registry.list().find((e) => `${e.domain}/${e.service}` === ref || e.key === ref) ?? componentByPrefix(registry, ref);
      if (entry) return entry;
      throw new TahoError('TAHO_COMPONENT_NOT_FOUND', `no component ${ref}`, {
        hint: '`taho components` lists component ids and names.',
        details: { components: registry.list().map((e) => `${e.domain}/${e.service}`) },
      });
    },
    async addComponent(name, bytes) {
      const { domain, service } = storeUpload(config.data_dir, name, bytes);
      if (sync) {
        try {
          await sync.publish(name, bytes);
        } catch (err) {
          removeUpload(config.data_dir, name); // not the cluster's: this node must not serve it either
          throw err;
        }
      }
      registry.reload();
      services.prune();
      const entry = registry.get(domain, service);
      if (!entry) throw new TahoError('TAHO_INTERNAL', `${domain}/${service} was stored but did not load`);
      prepare([entry]);
      return entry;
    },
    close: async () => {
      // The store closes even when a step before fails (its store unreachable): an open Redis
      // connection would keep reconnecting and the process would never exit.
      try {
        retained?.stop();
        // What runs here stops unreported: the orchestrator sees this node leave and places it again.
        await computeWorker?.close();
        // A member hands its shards over first: their calls finish here, the next ones run elsewhere.
        sync?.close();
        townFollow.abort();
        await member?.leave().catch(() => member?.stop());
        await services.close();
        await agents?.close();
        await jobs?.close();
        await town?.close();
        await workers.close();
        await townLease?.release();
        await jobsLease?.release();
      } finally {
        await opened?.close();
      }
    },
  };
  return runtime;
}
