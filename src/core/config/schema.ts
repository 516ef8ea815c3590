import { z } from 'zod';

/**
 * The single source of taho's configuration: the TOML file, `TAHO__SECTION__KEY` variables and
 * flags are all checked against this schema, and both the raw and resolved types come from it.
 */

const port = z.number().int().min(1).max(65535);
const positiveInt = z.number().int().positive();

const corsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  origins: z.array(z.string().min(1)).default(['*']),
  methods: z.array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
    .default(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS']),
  credentials: z.boolean().default(false),
});

const httpSchema = z.strictObject({
  bind: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port (tests, several servers on one machine). */
  port: z.number().int().min(0).max(65535).default(9481),
  /** Where clients reach the TAHO family; derived from bind and port when not set. */
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  tls_enable: z.boolean().default(false),
  tls_port: port.default(9443),
  cors: corsSchema.prefault({}),
});

const limitsSchema = z.strictObject({
  request_timeout_ms: positiveInt.default(30_000),
  body_limit_bytes: positiveInt.default(10 * 1024 * 1024),
  invoke_timeout_ms: positiveInt.default(30_000),
  memory_limit_mb: positiveInt.default(256),
});

const servicesSchema = z.strictObject({
  /** `worker` runs each service in worker threads so the invoke timeout can stop it; `inline` is faster but cannot be interrupted. */
  isolation: z.enum(['worker', 'inline']).default('worker'),
  workers: z.number().int().min(1).max(64).default(1),
  /** How long quiesce, restart and shutdown wait for calls in flight. */
  drain_ms: positiveInt.default(10_000),
});

const repositorySchema = z.strictObject({ path: z.string().min(1) });

export const configSchema = z.strictObject({
  data_dir: z.string().min(1).default('.taho'),
  /** Serve the repository of examples shipped with taho (example/hello, example/calculator, …). */
  examples: z.boolean().default(true),
  http: httpSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  services: servicesSchema.prefault({}),
  repositories: z.array(repositorySchema).default([]),
});

export type RawConfig = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;

/** The configuration the runtime uses: paths absolute, derived values filled in. */
export interface TahoConfig extends Omit<ParsedConfig, 'http'> {
  readonly http: ParsedConfig['http'] & { readonly base_url: string };
}
