import { z } from 'zod';
import { DEFAULT_DATA_DIR } from './sources.js';

/**
 * The single source of taho's configuration: the TOML file, `TAHO__SECTION__KEY` variables and
 * flags are all checked against this schema, and both the raw and resolved types come from it.
 */

const port = z.number().int().min(1).max(65535);
/** `512MiB`, `2GiB`, `64MB`, or a number of bytes. */
const size = z.union([z.number().int().positive(), z.string().regex(/^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$/, 'a size such as "512MiB", "2GiB" or a number of bytes')]);
const positiveInt = z.number().int().positive();

const corsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  origins: z.array(z.string().min(1)).default(['*']),
  methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
    .default(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']),
  credentials: z.boolean().default(false),
});

/** Scopes as Tinytown spells them; `town:read` style is accepted and normalized. */
export const SCOPES = ['town.read', 'town.write', 'agent.manage', 'admin'] as const;
const scope = z.string().transform((s) => s.replace(':', '.')).pipe(z.enum(SCOPES));

const keySchema = z.strictObject({
  name: z.string().min(1).max(64),
  /** An argon2id PHC string (`taho auth gen-key` prints one). */
  hash: z.string().startsWith('$argon2id$', 'must be an argon2id PHC hash ($argon2id$…); `taho auth gen-key` makes one'),
  scopes: z.array(scope).min(1),
});

const authSchema = z.strictObject({
  mode: z.enum(['none', 'api_key', 'oidc']).default('none'),
  /** Tinytown's single key: its hash and scopes. */
  api_key_hash: z.string().startsWith('$argon2id$', 'must be an argon2id PHC hash ($argon2id$…)').optional(),
  api_key_scopes: z.array(scope).default(['admin']),
  keys: z.array(keySchema).default([]),
  /** Whether /metrics answers without a key (health and ready always do). */
  metrics_public: z.boolean().default(true),
  /** Failed authentications (and first uses of a key) a client address may make per window before it gets 429. */
  max_failures: positiveInt.default(20),
  failure_window_ms: positiveInt.default(60_000),
});

const rateLimitSchema = z.strictObject({
  /** `auto`: on when bound off loopback. */
  enabled: z.union([z.boolean(), z.literal('auto')]).default('auto'),
  /** Requests per key (or client address without a key) per window. */
  max: positiveInt.default(600),
  window_ms: positiveInt.default(60_000),
});

const httpSchema = z.strictObject({
  bind: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (tests, several servers on one machine). */
  port: z.number().int().min(0).max(65535).default(9481),
  /** Where clients reach the TAHO family; derived from bind and port when not set. */
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  /** Plain HTTP on `port`; may be turned off when TLS serves alone. */
  http_enable: z.boolean().default(true),
  tls_enable: z.boolean().default(false),
  tls_port: z.number().int().min(0).max(65535).default(9443),
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  /** CA bundle that client certificates must chain to (mTLS). */
  ca_file: z.string().min(1).optional(),
  client_auth: z.enum(['none', 'request', 'require']).default('none'),
  cors: corsSchema.prefault({}),
  auth: authSchema.prefault({}),
  rate_limit: rateLimitSchema.prefault({}),
});

const limitsSchema = z.strictObject({
  request_timeout_ms: positiveInt.default(30_000),
  body_limit_bytes: positiveInt.default(10 * 1024 * 1024),
  invoke_timeout_ms: positiveInt.default(30_000),
  memory_limit_mb: positiveInt.default(256),
  max_header_bytes: positiveInt.default(16 * 1024),
  max_connections: positiveInt.default(1024),
  /** Connections one client address may hold (default: a quarter of max_connections). */
  max_connections_per_client: positiveInt.optional(),
});

const servicesSchema = z.strictObject({
  /** `worker` runs each service in worker threads so the invoke timeout can stop it; `inline` is faster but cannot be interrupted. */
  isolation: z.enum(['worker', 'inline']).default('worker'),
  workers: z.number().int().min(1).max(64).default(1),
  /** How long quiesce, restart and shutdown wait for calls in flight. */
  drain_ms: positiveInt.default(10_000),
});

const agentsSchema = z.strictObject({
  /** Agents kept in memory; past it the least recently used idle one is evicted (and rebuilt on demand). */
  max_active: positiveInt.default(1024),
  /** `worker` hosts agent instances in threads so the invoke timeout can stop a call; `inline` is faster but cannot be interrupted. */
  isolation: z.enum(['worker', 'inline']).default('worker'),
  /** Threads hosting agent instances (isolation = worker); agents on different threads run in parallel. */
  workers: z.number().int().min(1).max(64).default(2),
  /** `normal` survives a killed process; `full` also survives power loss (an fsync per commit). */
  sync: z.enum(['normal', 'full']).default('normal'),
  /** Save a snapshot every N oplog entries when the component exports golem:api/save-snapshot (0: never). */
  snapshot_every: z.number().int().min(0).default(100),
  /**
   * Oplog entries kept below an agent's latest snapshot (older ones are dropped when it is saved;
   * their idempotency keys are forgotten with them); "all" never drops.
   */
  keep_below_snapshot: z.union([z.number().int().min(0), z.literal('all')]).default(1000),
  /** Linear memory all agents in memory may hold together: idle ones are evicted past it, new ones refused (503). */
  max_memory: size.default('1GiB'),
  /** New agents one API key (or client address without a key) may create per minute over HTTP. */
  max_new_per_minute: positiveInt.default(600),
});

const repositorySchema = z.strictObject({ path: z.string().min(1) });

/** `90s`, `30m`, `24h`, `7d`, or a number of seconds; 0 keeps forever. */
const duration = z.union([z.number().min(0), z.string().regex(/^\d+(\.\d+)?\s*(s|m|h|d)$/, 'a duration such as "90s", "30m", "24h" or "7d"')]);

const eventsSchema = z.strictObject({
  /** Events kept for resuming streams (Last-Event-ID, --after): older ones are trimmed as new ones come (0: keep all). */
  keep: z.number().int().min(0).default(100_000),
  /** Events older than this are trimmed too (0: no age limit). */
  keep_for: duration.default(0),
});

const townSchema = z.strictObject({
  /** The town's name in /v1/town, /ready and the dashboard. */
  name: z.string().min(1).max(64).default('taho'),
  /** The preset of agents spawned without --cli (Tinytown: claude). */
  default_cli: z.string().min(1).default('claude'),
  /** Presets beside the built-in claude, codex, aider, gemini: `[town.presets.NAME] command = "…"`. */
  presets: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,32}$/), z.strictObject({ command: z.string().min(1) })).default({}),
  /** How often a working agent's heartbeat is recorded. */
  heartbeat_ms: positiveInt.default(5000),
  /** recover marks a working agent whose heartbeat is older than this. */
  stale_after_ms: positiveInt.default(120_000),
  /** kill: SIGTERM, then SIGKILL after this long. */
  kill_grace_ms: positiveInt.default(2000),
  /** A round a server that died left running: its process is stopped at the next start, and its task run again (`requeue`) or failed (`fail`). */
  interrupted_rounds: z.enum(['requeue', 'fail']).default('requeue'),
  /** A cluster node that died: its process agents are stopped and their tasks go back to the backlog (`backlog`), or both wait for `tt recover` and `tt reclaim` (`keep`). */
  node_lost: z.enum(['backlog', 'keep']).default('backlog'),
  /** Upper bound /api/scaling recommends. */
  max_agents: positiveInt.default(10),
});

const jobsSchema = z.strictObject({
  /** Executions the embedded compute node runs at once (0: one per CPU core). */
  slots: z.number().int().min(0).max(1024).default(0),
  /**
   * The node's labels, matched by job constraints and `taho nodes list --labels`. Values are
   * strings; `gpu = true` or `TAHO__JOBS__LABELS__GPU=true` (a TOML boolean) means the label "true".
   */
  labels: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  /** Host directories a job's `local` input sources may name (relative to the config file). */
  allowed_paths: z.array(z.string().min(1)).default([]),
  /** The exec engine runs local commands: off unless set. */
  allow_exec: z.boolean().default(false),
  /** ExecutionTimeout for tasks that set none (seconds). */
  default_timeout_s: positiveInt.default(600),
  /** Finished jobs older than this are deleted with their results. */
  retain_for: duration.default('7d'),
  /** A finished job's outputs (stdout, stderr, published files) older than this are deleted before the job is (0: kept as long as the job). */
  keep_outputs_for: duration.default(0),
  /** Executions a job may have when a server restart interrupts it (1: fail instead of re-queueing). */
  max_attempts: z.number().int().min(1).max(10).default(2),
});

const storeSchema = z.strictObject({
  /** Where agents, jobs, the town and the event log are kept: absent, a directory or `sqlite:<dir>` (SQLite; default the data directory). */
  url: z.string().min(1).optional(),
  /**
   * What an acknowledged write survives: `process` any process kill; `fsync` also power loss
   * (SQLite: an fsync per commit; Redis: its `appendfsync always`, checked at start);
   * `replicated` (Redis) also losing the Redis machine: each write waits for a replica.
   */
  durability: z.enum(['process', 'fsync', 'replicated']).default('process'),
  /** `replicated`: how long a write waits for a replica's acknowledgement before it fails. */
  replica_timeout_ms: z.number().int().min(1).max(60_000).default(1000),
});

const clusterSchema = z.strictObject({
  /**
   * How long a node's registration and the shards it owns outlive its last heartbeat (beats go
   * every quarter of it): a dead node's agents are served again by the others after about this.
   */
  lease_ms: z.number().int().min(200).max(120_000).default(4000),
  /** The URL the other nodes use to reach this one (default: the address it listens on). */
  advertise_url: z.string().url().optional(),
  /** How long a call waits for its agent's shard to get an owner (a takeover) before 503. */
  forward_wait_ms: z.number().int().min(0).max(600_000).default(15_000),
});

export const configSchema = z.strictObject({
  data_dir: z.string().min(1).default(DEFAULT_DATA_DIR),
  /** Serve the repository of examples shipped with taho (example/hello, example/calculator, …). */
  examples: z.boolean().default(true),
  http: httpSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  services: servicesSchema.prefault({}),
  agents: agentsSchema.prefault({}),
  jobs: jobsSchema.prefault({}),
  town: townSchema.prefault({}),
  events: eventsSchema.prefault({}),
  store: storeSchema.prefault({}),
  cluster: clusterSchema.prefault({}),
  repositories: z.array(repositorySchema).default([]),
});

/** A config size in bytes. */
export function sizeBytes(v: number | string): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+(?:\.\d+)?)\s*([KMG]i?B|B)$/.exec(v);
  const units: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 };
  return Math.floor(Number(m?.[1] ?? 0) * (units[m?.[2] ?? 'B'] ?? 1));
}

/** A config duration in milliseconds. */
export function durationMs(v: number | string): number {
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(v);
  const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[(m?.[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(m?.[1] ?? 0) * unit;
}

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The configuration the runtime uses: paths absolute, derived values filled in. */
export interface TahoConfig extends Omit<ParsedConfig, 'http'> {
  readonly http: ParsedConfig['http'] & { readonly base_url: string };
}
