import { appendFileSync, closeSync, fstatSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { TahoError } from '../errors.js';

export interface Preset {
  /** The command line, split into argv without a shell. `{prompt_file}` becomes the prompt file's path. */
  readonly command: string;
}

/**
 * Tinytown's built-in CLI presets (src/config.rs), run non-interactively. Like Tinytown we feed
 * the prompt on stdin; aider takes no stdin prompt, so it reads the prompt file instead.
 */
export const BUILTIN_PRESETS: Readonly<Record<string, Preset>> = {
  claude: { command: 'claude --print --dangerously-skip-permissions' },
  codex: { command: 'codex exec --dangerously-bypass-approvals-and-sandbox' },
  aider: { command: 'aider --yes --no-auto-commits --message-file {prompt_file}' },
  gemini: { command: 'gemini' },
};

/** Splits like a POSIX shell does words (quotes and backslashes), but runs nothing. */
export function splitCommand(command: string): string[] {
  const out: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < command.length; i++) {
    const c = command[i] as string;
    if (quote !== null) {
      if (c === quote) quote = null;
      else if (c === '\\' && quote === '"' && i + 1 < command.length) word += command[++i];
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== null) {
    throw new TahoError('TAHO_BAD_ARGUMENTS', `the agent command has an unclosed ${quote} quote: ${command}`, { hint: 'Close the quote in the preset command.' });
  }
  if (inWord) out.push(word);
  if (out.length === 0) throw new TahoError('TAHO_BAD_ARGUMENTS', 'the agent command is empty', { hint: 'Give the preset a command, e.g. "claude --print".' });
  return out;
}

export interface RoundSpec {
  readonly agentId: string;
  readonly command: string;
  readonly prompt: string;
  readonly promptPath: string;
  readonly logPath: string;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly heartbeatMs: number;
  /** Bytes of output kept as the task's result. */
  readonly resultBytes: number;
  readonly onStart: (pid: number) => void;
  readonly onHeartbeat: () => void;
}

export interface RoundEnd {
  /** null when a signal ended it or it never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  /** We ended it (kill, restart, close): whoever did that already recorded what it means. */
  readonly killed: boolean;
  /** The last lines of output, at most `resultBytes`. */
  readonly tail: string;
}

interface Live {
  readonly pid: number | undefined;
  readonly flags: { killed: boolean };
  readonly done: Promise<RoundEnd>;
}

/**
 * execa, loaded when the first round runs (or when the town starts dispatching): every CLI
 * command builds the runtime, and most never start a process.
 */
let execaFn: typeof import('execa').execa | undefined;
let loading: Promise<void> | undefined;
export function loadExeca(): Promise<void> {
  loading ??= import('execa').then((m) => {
    execaFn = m.execa;
  });
  return loading;
}

/** Runs one round per call as its own process group, so kill reaches everything the CLI started. */
export class Runner {
  readonly #live = new Map<string, Live>();

  isRunning(agentId: string): boolean {
    return this.#live.has(agentId);
  }

  run(spec: RoundSpec): Promise<RoundEnd> {
    if (this.#live.has(spec.agentId)) throw new TahoError('TAHO_INTERNAL', `agent ${spec.agentId} already has a round running`, { hint: 'This is a bug in taho.' });
    mkdirSync(dirname(spec.logPath), { recursive: true });
    writeFileSync(spec.promptPath, spec.prompt);
    const flags = { killed: false };
    if (execaFn) return this.#spawn(spec, flags, execaFn);
    // The round counts as running from now: a kill before execa has loaded means it never starts.
    const done = loadExeca().then((): Promise<RoundEnd> | RoundEnd => {
      if (!flags.killed) return this.#spawn(spec, flags, execaFn as NonNullable<typeof execaFn>);
      this.#live.delete(spec.agentId);
      return { exitCode: null, signal: null, killed: true, tail: '' };
    });
    this.#live.set(spec.agentId, { pid: undefined, flags, done });
    return done;
  }

  #spawn(spec: RoundSpec, flags: { killed: boolean }, execa: NonNullable<typeof execaFn>): Promise<RoundEnd> {
    const [file, ...args] = splitCommand(spec.command).map((w) => w.replaceAll('{prompt_file}', spec.promptPath));
    const child = execa(file as string, args, {
      shell: false,
      cwd: spec.cwd,
      env: { ...spec.env, TAHO_PROMPT_FILE: spec.promptPath },
      input: spec.prompt,
      // Both append to one file: O_APPEND keeps the two streams' writes whole and in order.
      stdout: { file: spec.logPath, append: true },
      stderr: { file: spec.logPath, append: true },
      detached: true,
      reject: false,
    });
    const timer = setInterval(spec.onHeartbeat, spec.heartbeatMs);
    if (child.pid !== undefined) spec.onStart(child.pid);
    const done = child.then((r) => {
      clearInterval(timer);
      if (r.failed && r.exitCode === undefined && r.signal === undefined) {
        // It never ran (not found, not executable): say so in the log, as a shell would (127).
        appendFileSync(spec.logPath, `taho: could not start ${file}: ${r.shortMessage}\n`);
      }
      this.#live.delete(spec.agentId);
      const exitCode = r.exitCode ?? (r.signal === undefined ? 127 : null);
      return { exitCode, signal: r.signal ?? null, killed: flags.killed, tail: tail(spec.logPath, spec.resultBytes) };
    });
    this.#live.set(spec.agentId, { pid: child.pid, flags, done });
    return done;
  }

  /** SIGTERM to the round's process group, SIGKILL after `graceMs`; resolves when it has exited. */
  async kill(agentId: string, graceMs: number): Promise<boolean> {
    const live = this.#live.get(agentId);
    if (live === undefined) return false;
    live.flags.killed = true;
    const pid = live.pid;
    if (pid !== undefined) {
      signalGroup(pid, 'SIGTERM');
      const force = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
      await live.done;
      clearTimeout(force);
      // The leader is gone; children it left in the group must not outlive the round.
      signalGroup(pid, 'SIGKILL');
    }
    await live.done;
    return true;
  }

  async killAll(graceMs: number): Promise<void> {
    await Promise.all([...this.#live.keys()].map((id) => this.kill(id, graceMs)));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group is already gone, which is what we wanted.
  }
}

function tail(path: string, maxBytes: number): string {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = Math.max(0, size - maxBytes);
    const buf = Buffer.alloc(size - start);
    readSync(fd, buf, 0, buf.length, start);
    let text = buf.toString('utf8');
    // Cut at a line start so the result does not begin mid-line (or mid-character).
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return text.trimEnd();
  } finally {
    closeSync(fd);
  }
}
