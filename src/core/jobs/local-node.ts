import { closeSync, copyFileSync, cpSync, mkdirSync, openSync, readSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import { basename, isAbsolute, join, relative, resolve } from 'node:path';
import { TahoError } from '../errors.js';
import { watchDir } from '../events/file-watch.js';
import { executionFiles, type ComputeNode, type ExecutionOutcome, type ExecutionRequest, type NodeSnapshot, type RunningExecution } from './compute.js';
import { runWasm, type WasmInput, type WasmRun } from './engine/wasm-runner.js';
import { isComponent, runComponent } from './engine/component-runner.js';
import type { ComponentLoader } from '../components/loader.js';
import type { WorkerPool } from '../workers/pool.js';
import type { InputSource, Task } from './model.js';
import { parseBytes, parseCpu } from './submit.js';

export interface LocalNodeOptions {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly slots?: number | undefined;
  /** Host directories a `local` input source may name (anything else is refused). */
  readonly allowedPaths: readonly string[];
  readonly allowExec: boolean;
  readonly memoryLimitMb: number;
  /** The runtime's worker threads: wasm executions run in them. */
  readonly pool: WorkerPool;
  /** Runs wasi:cli components (jco); without it only WASI preview1 modules run. */
  readonly loader?: ComponentLoader | undefined;
  /** Told when a running execution's stdout or stderr grows (log follows wake on it). */
  readonly onOutput?: ((jobId: string, executionId: string) => void) | undefined;
}

/**
 * The embedded compute node: runs executions in the runtime's worker threads (wasm) or child
 * processes (exec), at most `slots` at once, each with only its own inputs and outputs.
 */
export class LocalNode implements ComputeNode {
  readonly id: string;
  readonly #options: LocalNodeOptions;
  readonly #slots: number;
  #running = 0;
  #cpuInUse = 0;
  #memoryInUse = 0;

  constructor(options: LocalNodeOptions) {
    this.id = options.id;
    this.#options = options;
    this.#slots = options.slots ?? availableParallelism();
  }

  /** What the machine has: read once, the scheduler asks for it on every placement. */
  readonly #max = { CPU: availableParallelism(), Memory: totalmem(), Disk: 0, GPU: 0 };

  snapshot(): NodeSnapshot {
    const max = this.#max;
    return {
      id: this.id,
      labels: this.#options.labels,
      engines: this.#options.allowExec ? ['wasm', 'noop', 'exec'] : ['wasm', 'noop'],
      max,
      available: { CPU: Math.max(0, max.CPU - this.#cpuInUse), Memory: Math.max(0, max.Memory - this.#memoryInUse), Disk: 0, GPU: 0 },
      slots: this.#slots,
      running: this.#running,
      connected: true,
    };
  }

  run(request: ExecutionRequest): RunningExecution {
    const task = request.job.Tasks[0] as Task;
    const cpu = parseCpu(task.Resources?.CPU) ?? 0;
    const memory = parseBytes(task.Resources?.Memory) ?? 0;
    this.#running += 1;
    this.#cpuInUse += cpu;
    this.#memoryInUse += memory;
    const controller = new AbortController();
    const started = performance.now();
    mkdirSync(request.dir, { recursive: true });
    const onOutput = this.#options.onOutput;
    const unwatch = onOutput ? watchDir(request.dir, () => onOutput(request.job.ID, request.execution.ID)) : undefined;
    const done = this.#execute(request, task, controller.signal)
      .catch((err: unknown): ExecutionOutcome => ({
        exitCode: 126,
        error: err instanceof TahoError ? err.message : `the execution could not start: ${(err as Error).message}`,
        durationMs: performance.now() - started,
      }))
      .finally(() => {
        unwatch?.();
        this.#running -= 1;
        this.#cpuInUse -= cpu;
        this.#memoryInUse -= memory;
      });
    return { done, stop: () => controller.abort() };
  }

  async #execute(request: ExecutionRequest, task: Task, signal: AbortSignal): Promise<ExecutionOutcome> {
    const files = executionFiles(request.dir);
    mkdirSync(files.outputs, { recursive: true });
    const engine = task.Engine.Type;
    if (engine === 'noop') {
      writeFileSync(files.stdout, '');
      writeFileSync(files.stderr, '');
      return { exitCode: 0, durationMs: 0 };
    }
    if (engine === 'exec') return this.#exec(request, task, signal);
    const inputs = this.#stage(task.InputSources ?? [], join(request.dir, 'inputs'));
    const params = (task.Engine.Params ?? {}) as { EntryModule?: string; Entrypoint?: string; Parameters?: string[] };
    const entry = inputs.find((i) => strip(i.guestPath) === strip(params.EntryModule ?? ''));
    if (!entry) throw new TahoError('TAHO_BAD_REQUEST', `the entry module ${params.EntryModule} is not among the staged inputs`);
    const spec: WasmRun = {
      modulePath: entry.hostPath,
      entrypoint: params.Entrypoint ?? '_start',
      args: params.Parameters ?? [],
      env: task.Env ?? {},
      inputs: inputs.filter((i) => i !== entry),
      outputsDir: files.outputs,
      stdoutPath: files.stdout,
      stderrPath: files.stderr,
      timeoutMs: request.timeoutMs,
      memoryLimitMb: this.#options.memoryLimitMb,
    };
    // The same engine takes both: a wasi:cli component (jco) or a WASI preview1 module (node:wasi).
    const component = isComponent(readHead(entry.hostPath));
    if (component && !this.#options.loader) throw new TahoError('TAHO_BAD_REQUEST', 'this node runs no components', { hint: 'Send a WASI preview1 module.' });
    const outcome = component ? await runComponent(spec, this.#options.loader as ComponentLoader, this.#options.pool, signal)
      : await runWasm(spec, this.#options.pool, signal);
    return {
      exitCode: outcome.exitCode,
      error: outcome.error,
      stoppedBy: outcome.stoppedBy === 'abort' ? 'stop' : outcome.stoppedBy,
      durationMs: outcome.durationMs,
    };
  }

  async #exec(request: ExecutionRequest, task: Task, signal: AbortSignal): Promise<ExecutionOutcome> {
    if (!this.#options.allowExec) {
      throw new TahoError('TAHO_FORBIDDEN', 'the exec engine is off on this node', { hint: 'Set [jobs] allow_exec = true to let jobs run local commands.' });
    }
    const files = executionFiles(request.dir);
    const params = (task.Engine.Params ?? {}) as { Command: string; Arguments?: string[] };
    const started = performance.now();
    // Loaded here: most processes that build the runtime never run an exec job.
    const { execa } = await import('execa');
    const r = await execa(params.Command, params.Arguments ?? [], {
      cwd: files.outputs, env: { ...task.Env, PATH: process.env.PATH ?? '' }, extendEnv: false,
      stdin: 'ignore', stdout: { file: files.stdout }, stderr: { file: files.stderr }, reject: false,
      cancelSignal: signal, forceKillAfterDelay: 500, timeout: request.timeoutMs > 0 ? request.timeoutMs : 0,
    });
    const stoppedBy = r.timedOut ? 'timeout' : r.isCanceled ? 'stop' : undefined;
    const error = stoppedBy ? undefined : r.failed && r.exitCode === undefined ? r.shortMessage : undefined;
    return { exitCode: r.exitCode ?? 137, error, stoppedBy, durationMs: performance.now() - started };
  }

  /** Copies every input into the execution's own directory: a module may write to what it sees. */
  #stage(sources: readonly InputSource[], dir: string): WasmInput[] {
    return sources.map((s, i) => {
      const params = (s.Source.Params ?? {}) as { URL?: string; SourcePath?: string };
      const into = join(dir, String(i));
      mkdirSync(into, { recursive: true });
      if (s.Source.Type === 'inline') {
        const file = join(into, basename(s.Target) || 'input');
        writeFileSync(file, decodeDataUrl(params.URL ?? ''));
        return { hostPath: file, guestPath: s.Target, readonly: true };
      }
      const host = this.#allowed(params.SourcePath ?? '');
      const copy = join(into, basename(host));
      if (statSync(host).isDirectory()) cpSync(host, copy, { recursive: true, dereference: false, verbatimSymlinks: true });
      else copyFileSync(host, copy); // cpSync's checks cost more than a small module's copy

      return { hostPath: copy, guestPath: s.Target, readonly: true };
    });
  }

  /** A local source path, resolved, and inside one of the allowed directories. */
  #allowed(path: string): string {
    if (!isAbsolute(path)) throw new TahoError('TAHO_BAD_REQUEST', `the local input ${path} is not an absolute path`, { hint: 'Local sources name a path on the node; the CLI resolves paths in a spec against its directory.' });
    let real: string;
    try {
      real = realpathSync(path);
      statSync(real);
    } catch {
      throw new TahoError('TAHO_BAD_REQUEST', `the local input ${path} does not exist on node ${this.id}`, { hint: 'Check the path, or send the module inline (taho wasm run does).' });
    }
    const ok = this.#options.allowedPaths.some((root) => {
      const rel = relative(resolve(root), real);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
    if (!ok) {
      throw new TahoError('TAHO_FORBIDDEN', `the local input ${path} is outside the directories this node shares`, {
        hint: `Allowed: ${this.#options.allowedPaths.join(', ') || 'none'}. Add the directory to [jobs] allowed_paths, or send the module inline.`,
      });
    }
    return real;
  }
}

const strip = (p: string): string => p.replace(/^\/+/, '');

/** The first bytes of a file: enough to tell a component from a core module. */
function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const head = new Uint8Array(8);
    readSync(fd, head, 0, 8, 0);
    return head;
  } finally {
    closeSync(fd);
  }
}

/** `data:[type][;base64],payload` → bytes. */
export function decodeDataUrl(url: string): Buffer {
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0) throw new TahoError('TAHO_BAD_REQUEST', 'an inline input is not a data: URL', { hint: 'Use data:application/wasm;base64,<bytes>.' });
  const meta = url.slice(5, comma);
  const payload = url.slice(comma + 1);
  return meta.endsWith(';base64') ? Buffer.from(payload, 'base64') : Buffer.from(decodeURIComponent(payload), 'utf8');
}
