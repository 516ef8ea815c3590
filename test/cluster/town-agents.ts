import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { runCli, tempDir } from '../helpers.js';
import { startRedis, type RedisServer } from '../redis-server.js';
import { startNodes, type ClusterNode } from './nodes.js';

/**
 * A town agent CLI for the cluster tests: it reads `quick <id> <journal>` or `hold <id> <flag>
 * <journal>` on stdin and writes `start|end|term <id> <node> <pid>` to the journal (the node from
 * TAHO_NODE, set by the node that runs the round); `hold` waits until the flag file exists.
 */
const AGENT = `
import { appendFileSync, existsSync } from 'node:fs';
let text = '';
for await (const c of process.stdin) text += c;
const [kind, id, a, b] = text.trim().split(' ');
const journal = kind === 'hold' ? b : a;
const note = (what) => appendFileSync(journal, \`\${what} \${id} \${process.env.TAHO_NODE ?? '-'} \${process.pid}\\n\`);
process.on('SIGTERM', () => { note('term'); process.exit(143); });
note('start');
if (kind === 'hold') while (!existsSync(a)) await new Promise((r) => setTimeout(r, 20));
note('end');
console.log(\`done: \${id}\`);
`;

export interface TownFixture {
  readonly dir: string;
  readonly config: string;
  readonly journal: string;
  readonly flag: string;
  quick(id: string): string;
  hold(id: string): string;
  lines(): JournalLine[];
}

export interface JournalLine { readonly what: string; readonly id: string; readonly node: string; readonly pid: number }

/** A config (preset `journal`, fast heartbeats, `[town] extra` lines) and the agent's journal. */
export function townFixture(extra: readonly string[] = []): TownFixture {
  const dir = tempDir('taho-cluster-town-');
  const journal = join(dir, 'journal.txt');
  const flag = join(dir, 'flag');
  const config = join(dir, 'config.toml');
  writeFileSync(join(dir, 'agent.mjs'), AGENT);
  writeFileSync(journal, '');
  writeFileSync(config, [
    '[town]', 'heartbeat_ms = 200', 'kill_grace_ms = 1000', ...extra,
    '[town.presets.journal]', `command = ${JSON.stringify(`${process.execPath} ${join(dir, 'agent.mjs')}`)}`,
  ].join('\n'));
  return {
    dir, config, journal, flag,
    quick: (id) => `quick ${id} ${journal}`,
    hold: (id) => `hold ${id} ${flag} ${journal}`,
    lines: () => readFileSync(journal, 'utf8').split('\n').filter(Boolean).map((l) => {
      const [what = '', id = '', node = '', pid = '0'] = l.split(' ');
      return { what, id, node, pid: Number(pid) };
    }),
  };
}

/**
 * Three nodes with the fixture's config on a fresh redis-server for the file's tests; `nodes()` once
 * started. `leaseMs` is how soon a silent node counts as gone: short finds a kill sooner, but on a
 * loaded machine a live node late with its heartbeat is taken for gone too (its agents stopped).
 */
export function townCluster(fx: TownFixture, leaseMs = 1000): () => ClusterNode[] {
  let redis: RedisServer | undefined;
  let nodes: ClusterNode[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    nodes = await startNodes(3, redis.url(0), { env: { TAHO_CONFIG: fx.config }, leaseMs });
  });
  afterAll(async () => {
    writeFileSync(fx.flag, ''); // nothing a round started outlives the test
    await redis?.stop();
  });
  return () => nodes;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wire bodies, checked by the assertions
export type Json = any;

export async function api(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; node: string; body: Json }> {
  const r = await fetch(`${url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: Json = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // a log is plain text
  }
  return { status: r.status, node: r.headers.get('x-taho-node') ?? '', body: parsed };
}

/** `taho <args> --url <url> --json`, parsed; a failure throws with its output. */
export async function cli(url: string, ...args: string[]): Promise<Json> {
  const r = await runCli([...args, '--url', url, '--json']);
  if (r.exitCode !== 0) throw new Error(`taho ${args.join(' ')}: ${r.exitCode}\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Tasks by state, as any node reads them from the shared store. */
export async function taskStates(url: string): Promise<Map<string, string>> {
  const r = await api(url, 'GET', '/v1/tasks?limit=1000');
  return new Map((r.body.tasks as { description: string; state: string }[]).map((t) => [t.description.split(' ')[1] ?? '', t.state]));
}
